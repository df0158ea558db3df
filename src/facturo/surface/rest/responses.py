"""Responses for the hot read endpoints."""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def model_json(model: BaseModel, status_code: int = 200) -> Response:
    """Serialise an already-validated view directly. Routes still declare ``response_model`` for the
    OpenAPI document; returning a Response skips FastAPI re-validating what a schema just built."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")
