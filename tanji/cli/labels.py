"""``tanji label …``: verify a carbon label (a token, an SVG or a PNG), and manage the
signing keys of the local platform.

``verify`` checks the signature and expiry offline against a JWK Set (``--jwks`` file or
URL, else fetched from the platform), then asks the platform's registry for the current
status when it can reach it. Exit status: 0 valid, 1 not valid, 2 a usage problem (no
token found, no keys to check against).
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tanji import __version__
from tanji.cli.database import database_session
from tanji.cli.errors import handles_errors
from tanji.core.errors import InvalidInput
from tanji.core.i18n import _, current_language
from tanji.labels import signing
from tanji.labels.render import token_from_png, token_from_svg
from tanji.settings import Settings

TIMEOUT = 10  # seconds for each request to the platform
EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


# --- reading a label ----------------------------------------------------------------------


def token_of(text: str) -> str:
    """The token in a string: the token itself or a verification URL ``…/v/{token}``."""
    text = text.strip()
    if "/v/" in text:
        text = text.rsplit("/v/", 1)[1].split("?", 1)[0].split("#", 1)[0]
    return text


def decode_qr(data: bytes) -> str | None:
    """The text of the first QR code in an image, if zxing-cpp is installed."""
    try:
        import zxingcpp
    except ImportError:
        return None
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            found = zxingcpp.read_barcodes(image.convert("L"))
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    texts = [item.text for item in found if "/v/" in item.text]
    return texts[0] if texts else None


def read_token(source: str) -> tuple[str, str]:
    """The token of ``source`` (a token, a URL, or a label file) and where it was found."""
    path = Path(source)
    try:
        is_file = path.is_file()
    except OSError:  # a long token is not a file name
        is_file = False
    if not is_file:
        if path.suffix.lower() in (".svg", ".png"):  # a token's last part is no suffix
            raise InvalidInput(_("No such file: {path}.").format(path=source), loc=("source",))
        return token_of(source), _("the command line")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInput(
            _("Cannot read {path}: {error}.").format(path=source, error=error.strerror or error),
            loc=("source",),
        ) from error
    suffix = path.suffix.lower()
    found: str | None = None
    where = _("the file {path}").format(path=path.name)
    if suffix == ".png" or data.startswith(b"\x89PNG"):
        url = decode_qr(data)
        if url is not None:
            found, where = token_of(url), _("the QR code of {path}").format(path=path.name)
        else:
            found = token_from_png(data)
    elif suffix == ".svg" or data.lstrip().startswith((b"<?xml", b"<svg")):
        found = token_from_svg(data.decode("utf-8", errors="replace"))
    else:
        found = token_of(data.decode("utf-8", errors="replace"))
    if not found:
        raise InvalidInput(
            _(
                "{path} carries no label token: pass a label made by Tanji (SVG or PNG), "
                "the token itself, or the URL of its QR code."
            ).format(path=source),
            loc=("source",),
        )
    return found, where


# --- talking to the platform --------------------------------------------------------------


class Unreachable(Exception):
    """The platform could not be asked (network, HTTP error or an answer that is not JSON)."""


def _accept_language() -> str:
    return "zh-CN" if current_language() == "zh_CN" else "en"


def http_json(url: str, body: dict[str, Any] | None = None) -> Any:
    """GET (or POST ``body`` as JSON to) ``url`` and return the JSON answer."""
    if not url.startswith(("http://", "https://")):
        raise Unreachable(_("not an http(s) URL"))
    headers = {
        "accept": "application/json",
        "accept-language": _accept_language(),
        "user-agent": f"tanji/{__version__}",
    }
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["content-type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        raise Unreachable(f"HTTP {error.code}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise Unreachable(str(getattr(error, "reason", error))) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise Unreachable(_("the answer is not JSON")) from error


def _key_set(value: Any, source: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list):
        raise InvalidInput(
            _("{source} is not a JWK Set (a JSON object with a list of keys).").format(
                source=source
            ),
            loc=("--jwks",),
        )
    return value


def load_keys(source: str) -> dict[str, Any]:
    """A JWK Set from a file or an http(s) URL."""
    if source.startswith(("http://", "https://")):
        try:
            return _key_set(http_json(source), source)
        except Unreachable as error:
            raise InvalidInput(
                _("Cannot fetch the keys from {url}: {error}.").format(url=source, error=error),
                loc=("--jwks",),
            ) from error
    try:
        return _key_set(json.loads(Path(source).read_text(encoding="utf-8")), source)
    except OSError as error:
        raise InvalidInput(
            _("Cannot read the key set {path}: {error}.").format(
                path=source, error=error.strerror or error
            ),
            loc=("--jwks",),
        ) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(
            _("The key set {path} is not JSON.").format(path=source), loc=("--jwks",)
        ) from error


def ask_registry(base: str, token: str, product: str | None) -> signing.Verification:
    """The platform's verdict (POST /api/v1/labels/verify)."""
    answer = http_json(
        f"{base.rstrip('/')}/api/v1/labels/verify",
        {"token": token, **({"product": product} if product else {})},
    )
    if not isinstance(answer, dict) or not isinstance(answer.get("reason"), str):
        raise Unreachable(_("the answer is not a label verification"))
    claims = answer.get("claims")
    status = answer.get("registry_status")
    return signing.Verification(
        ok=answer.get("ok") is True,
        reason=answer["reason"],
        message=str(answer.get("message", "")),
        claims=claims if isinstance(claims, dict) else {},
        checked_online=True,
        registry_status=status if isinstance(status, str) else None,
    )


# --- printing -----------------------------------------------------------------------------


def _day(timestamp: Any, offset: int = 0) -> str:
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        return "—"
    try:
        return dt.datetime.fromtimestamp(timestamp + offset, tz=dt.UTC).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return "—"


def claims_table(claims: dict[str, Any], kid: str) -> Table:
    label = claims.get("lbl") if isinstance(claims.get("lbl"), dict) else {}
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="dim")
    table.add_column()
    names = " / ".join(str(label[k]) for k in ("zh", "en") if label.get(k))
    unit = _("kg CO2e / {unit}").format(unit=label.get("u", ""))
    value = f"{label.get('v', '')} {unit}"
    rows = [
        (_("Certificate"), claims.get("sub", "")),
        (_("Product"), f"{names} ({label.get('p', '')})"),
        (_("Carbon footprint"), value),
        (_("Category"), f"{label.get('cat', '')} {label.get('rv', '')}".strip()),
        (_("Grade"), label.get("g") or "—"),
        (_("Certification body"), label.get("cb", "")),
        (_("Label valid until"), _day(claims.get("exp"), -1)),
        (_("Signed by"), _("{issuer} (key {kid})").format(issuer=claims.get("iss", ""), kid=kid)),
    ]
    for name, value in rows:
        table.add_row(escape(str(name)), escape(str(value)))
    return table


def register(app: typer.Typer, settings: Settings) -> None:
    label = typer.Typer(
        help=_("Carbon labels: verify a label; list and rotate the signing keys."),
        no_args_is_help=True,
    )

    @label.command(
        "verify",
        help=_(
            "Verify a carbon label: a token, the URL of its QR code, or a label file (SVG or "
            "PNG). Exit status 0 if it is genuine and valid, 1 if not, 2 on a usage problem."
        ),
    )
    @handles_errors
    def verify_command(
        source: Annotated[str, typer.Argument(help=_("A token, a URL, or a .svg/.png label."))],
        jwks_source: Annotated[
            str | None,
            typer.Option(
                "--jwks",
                help=_("The platform's keys: a saved jwks.json or its URL (default: fetched)."),
            ),
        ] = None,
        online: Annotated[
            str | None,
            typer.Option(
                "--online", help=_("The platform to ask for the registry status (its URL).")
            ),
        ] = None,
        offline_only: Annotated[
            bool, typer.Option("--offline", help=_("Do not ask the registry."))
        ] = False,
        product: Annotated[
            str | None,
            typer.Option("--product", help=_("The product the label is on (code or name).")),
        ] = None,
    ) -> None:
        out = Console(highlight=False, soft_wrap=True)
        token, where = read_token(source)
        notes: list[str] = []
        try:
            header, claims = signing.decode_unverified(token)
        except InvalidInput:
            header, claims = {}, {}
        issuer = claims.get("iss") if isinstance(claims.get("iss"), str) else ""
        base = (online or issuer or "").rstrip("/")
        if jwks_source:
            keys = load_keys(jwks_source)
        elif not header:
            keys = {"keys": []}  # not a token at all: the check says why
        else:
            if not base:
                raise InvalidInput(
                    _("The token names no platform: pass --jwks FILE or --online URL."),
                    loc=("--jwks",),
                )
            url = f"{base}/.well-known/jwks.json"
            try:
                keys = _key_set(http_json(url), url)
            except Unreachable as error:
                raise InvalidInput(
                    _(
                        "Cannot check the signature: the platform's keys at {url} cannot be "
                        "fetched ({error}). Pass --jwks FILE, a saved copy of its "
                        "/.well-known/jwks.json, to verify offline."
                    ).format(url=url, error=error),
                    loc=("--jwks",),
                ) from error
            if not online:
                notes.append(
                    _(
                        "The keys were fetched from the platform the label itself names "
                        "({issuer}). Make sure it is the platform you trust, or pass --jwks "
                        "or --online."
                    ).format(issuer=issuer)
                )
        verdict = signing.verify_token(token, keys=keys, expected_product=product)
        if verdict.ok and not offline_only and base:
            try:
                registry = ask_registry(base, token, product)
            except Unreachable as error:
                notes.append(
                    _(
                        "The registry at {url} could not be reached ({error}): this is the "
                        "offline verdict only — the certificate may have been suspended or "
                        "withdrawn since."
                    ).format(url=base, error=error)
                )
            else:
                verdict = registry
        elif verdict.ok and not offline_only:
            notes.append(_("No platform to ask for the registry status: offline verdict only."))
        colour = "green" if verdict.ok else "bold red"
        title = (
            _("VALID") if verdict.ok else _("NOT VALID ({reason})").format(reason=verdict.reason)
        )
        out.print(f"[{colour}]{escape(title)}[/] " + escape(verdict.message))
        if verdict.claims:
            out.print(claims_table(verdict.claims, str(header.get("kid", ""))))
        if verdict.checked_online and verdict.registry_status:
            out.print(
                escape(
                    _("Registry status: {status} (asked {url}).").format(
                        status=verdict.registry_status, url=base
                    )
                )
            )
        out.print("[dim]" + escape(_("Token read from {where}.").format(where=where)) + "[/]")
        for note in notes:
            out.print("[yellow]" + escape(note) + "[/]")
        raise typer.Exit(EXIT_VALID if verdict.ok else EXIT_INVALID)

    @label.command("keys", help=_("List the label signing keys of the local platform."))
    @handles_errors
    def keys_command() -> None:
        out = Console(highlight=False, soft_wrap=True)
        with database_session(settings) as session:
            signing.ensure_signing_key(session)
            rows = [
                (k.kid, k.active, k.created_at, k.retired_at, k.private_key is None)
                for k in signing.list_keys(session)
            ]
        table = Table(title=_("Label signing keys (Ed25519)"))
        for column in (_("Key id"), _("State"), _("Created"), _("Retired"), _("Private key")):
            table.add_column(column)
        for kid, active, created, retired, external in rows:
            table.add_row(
                kid,
                _("active") if active else _("retired, still published"),
                created.strftime("%Y-%m-%d %H:%M") if created else "—",
                retired.strftime("%Y-%m-%d %H:%M") if retired else "—",
                _("key file") if external else _("database"),
            )
        out.print(table)

    @label.command(
        "rotate-key",
        help=_("Make a new signing key; labels signed with older keys still verify."),
    )
    @handles_errors
    def rotate_command() -> None:
        with database_session(settings) as session:
            kid = signing.rotate_key(session)
        typer.echo(
            _(
                "New signing key {kid}: new labels are signed with it. Older keys stay "
                "published at /.well-known/jwks.json, so their labels still verify."
            ).format(kid=kid)
        )

    @label.command(
        "jwks", help=_("Print the published keys as a JWK Set (save it to verify offline).")
    )
    @handles_errors
    def jwks_command() -> None:
        with database_session(settings) as session:
            signing.ensure_signing_key(session)
            keys = signing.jwks(session)
        typer.echo(json.dumps(keys, indent=2))

    @label.command(
        "expire",
        help=_("Mark certificates past their expiry date as expired (run daily)."),
    )
    @handles_errors
    def expire_command() -> None:
        from tanji.labels.service import expire_due

        with database_session(settings) as session:
            expired = [certificate.number for certificate in expire_due(session)]
        if expired:
            typer.echo(_("Expired: {numbers}.").format(numbers=", ".join(expired)))
        else:
            typer.echo(_("No certificate is past its expiry date."))

    app.add_typer(label, name="label")
