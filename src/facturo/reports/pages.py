"""Web pages of this area (being built)."""

from __future__ import annotations

from fastapi import APIRouter

from facturo.web.routing import PageRoute

router = APIRouter(route_class=PageRoute, include_in_schema=False)
