"""Documentation that tests check: every command, setting and route is documented."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from xinyong.cli import app as cli_app
from xinyong.core.settings import Settings

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
API_DOC = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")


def _commands(app: typer.Typer, prefix: str = "xinyong") -> list[str]:
    found = [
        f"{prefix} {c.name or (c.callback.__name__ if c.callback else '')}"
        for c in app.registered_commands
    ]
    for group in app.registered_groups:
        assert group.typer_instance is not None
        found += _commands(group.typer_instance, f"{prefix} {group.name}")
    return found


def test_readme_quick_start_is_two_commands() -> None:
    assert "make run" in README
    assert "make test" in README


def test_every_cli_command_is_in_the_readme() -> None:
    missing = [c for c in _commands(cli_app) if f"`{c}" not in README]
    assert not missing, f"README lacks: {missing}"


def test_every_setting_is_in_the_readme() -> None:
    missing = [
        f"XINYONG_{name.upper()}"
        for name in Settings.model_fields
        if f"`XINYONG_{name.upper()}`" not in README
    ]
    assert not missing, f"README lacks: {missing}"


def test_every_api_route_is_in_the_api_doc(app: FastAPI) -> None:
    documented = set(re.findall(r"\| (GET|POST|PATCH|DELETE|PUT) \| `([^`?]+)", API_DOC))
    missing = [
        (method, str(context.path))
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.original_route.include_in_schema
        for method in sorted(context.methods or ())
        if (method, str(context.path)) not in documented
    ]
    assert not missing, f"docs/api.md lacks: {missing}"
