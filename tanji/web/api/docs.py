"""The API reference at /api/docs: our own rendering of the OpenAPI schema, with no CDN.

The stock Swagger UI and ReDoc pages load their scripts from a CDN, which the platform
forbids (it must run offline), so this page lays the schema out as plain HTML: how to
authenticate, then every operation by tag with its parameters, body, responses and the
right it needs, read from the route's ``require(Right.X)`` dependency.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import HTMLResponse

from tanji.accounts import service as accounts
from tanji.accounts.policy import ROLE_RIGHTS, Right, kind_name, role_name
from tanji.core.i18n import _
from tanji.web.deps import OptionalActor
from tanji.web.rendering import page

try:
    from fastapi.routing import iter_route_contexts
except ImportError:  # an older FastAPI, whose app.routes is already flat

    def iter_route_contexts(routes):  # type: ignore[no-redef]
        return iter(routes)


router = APIRouter(tags=["docs"], include_in_schema=False)

METHODS = ("get", "post", "put", "patch", "delete")
_MISSING = object()


def required_right(dependant: Dependant | None) -> Right | object | None:
    """The right a route's ``require()`` dependency asks for, searched depth first.

    Returns the right, None for ``require()`` without one (any logged-in party), or
    ``_MISSING`` when no dependency requires anything (a public route).
    """
    if dependant is None:
        return _MISSING
    for sub in dependant.dependencies:
        if sub.call is not None and hasattr(sub.call, "required_right"):
            return sub.call.required_right
        found = required_right(sub)
        if found is not _MISSING:
            return found
    return _MISSING


def route_rights(app: FastAPI) -> dict[tuple[str, str], Right | object | None]:
    """(path, lower-case method) → what each route requires, for every API route."""
    needs: dict[tuple[str, str], Right | object | None] = {}
    for context in iter_route_contexts(app.routes):
        dependant = getattr(context, "dependant", None)
        path = context.path
        if dependant is None or path is None:
            continue
        for method in context.methods or ():
            needs[(path, method.lower())] = required_right(dependant)
    return needs


@dataclass(frozen=True)
class Access:
    """Who may call an operation, in words."""

    label: str
    right: str = ""
    holders: tuple[str, ...] = ()


def access_of(need: Right | object | None) -> Access:
    if need is _MISSING:
        return Access(_("Public: no authentication needed"))
    if need is None:
        return Access(_("Any authenticated client or person"))
    assert isinstance(need, Right)
    holders = tuple(
        f"{kind_name(kind)} · {role_name(role)}"
        for (kind, role), rights in ROLE_RIGHTS.items()
        if need in rights
    )
    return Access(_("Needs the right"), right=need.value, holders=holders)


def type_of(schema: dict[str, Any]) -> str:
    """A JSON schema in one short phrase: ``StudyRead``, ``array of string``, ``integer | null``."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            return " | ".join(type_of(part) for part in schema[combinator])
    if "enum" in schema:
        return " | ".join(repr(value) for value in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        return " | ".join(kind)
    if kind == "array":
        return "array of " + type_of(schema.get("items", {}))
    if kind == "object" and "additionalProperties" in schema:
        extra = schema["additionalProperties"]
        return "object of " + (type_of(extra) if isinstance(extra, dict) else "any")
    if "format" in schema:
        return f"{kind} ({schema['format']})"
    return str(kind)


@dataclass(frozen=True)
class Parameter:
    name: str
    where: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    access: Access
    parameters: tuple[Parameter, ...]
    body: tuple[tuple[str, str], ...]  # (media type, schema)
    body_required: bool
    responses: tuple[tuple[str, str, str], ...]  # (status, description, schema)
    anchor: str


@dataclass
class Tag:
    name: str
    description: str = ""
    operations: list[Operation] = field(default_factory=list)


@dataclass(frozen=True)
class SchemaDoc:
    name: str
    description: str
    properties: tuple[tuple[str, str, bool, str], ...]  # (name, type, required, description)


def _operations(spec: dict[str, Any], needs: dict) -> Iterator[tuple[str, Operation]]:
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            parameters = tuple(
                Parameter(
                    name=p["name"],
                    where=p.get("in", ""),
                    type=type_of(p.get("schema", {})),
                    required=bool(p.get("required")),
                    description=p.get("description", ""),
                )
                for p in op.get("parameters", [])
            )
            body = op.get("requestBody") or {}
            media = tuple(
                (media_type, type_of(content.get("schema", {})))
                for media_type, content in body.get("content", {}).items()
            )
            responses = tuple(
                (
                    str(status),
                    response.get("description", ""),
                    ", ".join(
                        type_of(content["schema"])
                        for content in response.get("content", {}).values()
                        if "schema" in content
                    ),
                )
                for status, response in sorted(op.get("responses", {}).items())
            )
            operation = Operation(
                method=method.upper(),
                path=path,
                summary=op.get("summary", ""),
                description=op.get("description", ""),
                access=access_of(needs.get((path, method), _MISSING)),
                parameters=parameters,
                body=media,
                body_required=bool(body.get("required")),
                responses=responses,
                anchor=op.get("operationId", f"{method}-{path}"),
            )
            yield (op.get("tags") or ["other"])[0], operation


def describe(app: FastAPI) -> tuple[list[Tag], list[SchemaDoc]]:
    """The operations of ``app`` grouped by their first tag, and the schemas they use."""
    spec = app.openapi()
    needs = route_rights(app)
    tags: dict[str, Tag] = {
        entry["name"]: Tag(entry["name"], entry.get("description", ""))
        for entry in spec.get("tags", [])
    }
    for tag_name, operation in _operations(spec, needs):
        tags.setdefault(tag_name, Tag(tag_name)).operations.append(operation)
    schemas = [
        SchemaDoc(
            name=name,
            description=schema.get("description", ""),
            properties=tuple(
                (
                    prop,
                    type_of(detail),
                    prop in schema.get("required", ()),
                    detail.get("description", ""),
                )
                for prop, detail in schema.get("properties", {}).items()
            ),
        )
        for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())
    ]
    return [tag for tag in tags.values() if tag.operations], schemas


@router.get("/api/docs", response_class=HTMLResponse)
def api_docs(request: Request, actor: OptionalActor) -> HTMLResponse:
    """The API reference (public)."""
    tags, schemas = describe(request.app)
    spec = request.app.openapi()
    return page(
        request,
        "api_docs.html",
        active="api",
        info=spec.get("info", {}),
        tags=tags,
        schemas=schemas,
        base_url=str(request.base_url).rstrip("/"),
        token_minutes=int(accounts.TOKEN_LIFETIME.total_seconds() // 60),
    )
