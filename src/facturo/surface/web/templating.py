"""The Jinja2 environment every page renders with."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from facturo.surface.web import charts, formatting, i18n, labels

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(money=formatting.money, day=formatting.day, moment=formatting.moment, number=formatting.number)
    env.globals.update(horizontal_bars=charts.horizontal_bars, column_chart=charts.column_chart, Bar=charts.Bar)
    env.globals.update(labels=labels)  # the names of codes, written once (labels.py)
    return env


def render_template(name: str, context: dict[str, Any]) -> str:
    return environment().get_template(name).render(context)
