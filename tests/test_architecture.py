"""Layers point inward: the core imports no database, web or CLI code, nor the rest of Tanji."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tanji"
FACE_MODULES = ("fastapi", "starlette", "typer", "tanji.web", "tanji.cli")
CORE_FORBIDDEN = ("sqlalchemy", "alembic", "fastapi", "starlette", "typer", "rich", "yaml")


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _matches(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _files(sub: str) -> list[Path]:
    return sorted((PACKAGE / sub).rglob("*.py"))


class TestCoreIsPure:
    @pytest.mark.parametrize("path", _files("core"), ids=lambda p: p.name)
    def test_core_imports_nothing_outside_core(self, path: Path) -> None:
        for name in imported_modules(path):
            assert not any(_matches(name, bad) for bad in CORE_FORBIDDEN), (path, name)
            if _matches(name, "tanji"):
                assert _matches(name, "tanji.core"), (path, name)


DOMAINS = [
    p.name
    for p in PACKAGE.iterdir()
    if p.is_dir() and p.name not in {"core", "cli", "web", "data", "locale", "tools", "__pycache__"}
]


class TestDomainsHaveNoFaces:
    @pytest.mark.parametrize("domain", DOMAINS)
    def test_domain_does_not_import_faces(self, domain: str) -> None:
        for path in _files(domain):
            for name in imported_modules(path):
                assert not any(_matches(name, bad) for bad in FACE_MODULES), (path, name)

    def test_the_check_sees_the_domains(self) -> None:
        assert "footprints" in DOMAINS and "factors" in DOMAINS


class TestCheckerCatchesViolations:
    def test_detects_a_forbidden_import(self, tmp_path: Path) -> None:
        bad = tmp_path / "bad.py"
        bad.write_text("import sqlalchemy\nfrom tanji.cli import app\n", encoding="utf-8")
        assert imported_modules(bad) == ["sqlalchemy", "tanji.cli"]
