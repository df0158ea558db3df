from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class HistoryEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    entity_type: str
    entity_id: int
    action: str
    actor_kind: str
    actor_id: str
    actor_name: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
