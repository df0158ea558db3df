"""Setting up our organisation for invoicing: its issuer profile (kept by ``organisation``) together
with the numbering series that let it number documents (kept here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from facturo.invoicing.models import Series
from facturo.invoicing.numbering import create_series, ensure_default_series, list_series
from facturo.invoicing.schemas import SeriesIn
from facturo.kit.actor import Actor
from facturo.kit.errors import FacturoError, ValidationFailed
from facturo.organisation import service as organisation
from facturo.organisation.models import Issuer
from facturo.organisation.schemas import IssuerIn


def set_up(session: Session, actor: Actor, data: IssuerIn) -> Issuer:
    """Save the whole profile and make sure a new organisation can number its documents
    (default series A for invoices and NC for credit notes)."""
    issuer = organisation.save_profile(session, actor, data)
    ensure_default_series(session, actor, issuer.id)
    return issuer


def update_profile(session: Session, actor: Actor, changes: Mapping[str, str]) -> Issuer:
    """Change only the given profile fields (the others keep their value), like ``set_up``.

    On a fresh database this creates the profile, which then needs at least a name and a NIT.
    """
    issuer = organisation.find_own_issuer(session)
    if issuer is None:
        missing = [f for f in ("name", "nit") if not str(changes.get(f) or "").strip()]
        if missing:
            raise ValidationFailed.on(
                missing[0],
                "organisation.required",
                "La organización aún no está registrada: indique al menos su nombre y su NIT.",
                "The organisation is not registered yet: give at least its name and its NIT.",
            )
        current: dict[str, str] = {}
    else:
        current = {f: getattr(issuer, f) for f in IssuerIn.model_fields}
    return set_up(session, actor, IssuerIn.model_validate(current | dict(changes)))


def own_series(session: Session) -> list[Series]:
    """Our organisation's numbering series, by code (none before the profile exists)."""
    return list_series(session, organisation.own_issuer_id(session))


def create_own_series(session: Session, actor: Actor, data: SeriesIn) -> Series:
    """A new numbering series for our organisation."""
    return create_series(session, actor, organisation.own_issuer(session).id, data)


# --- the administration pages ------------------------------------------------------------------

Refusal = ValidationError | FacturoError  # what a form's values may be refused with


@dataclass(frozen=True)
class ProfileSaved:
    configured: bool  # whether the profile existed before this save
    issuer: Issuer | None = None
    refused: Refusal | None = None


def set_up_from(session: Session, actor: Actor, values: Mapping[str, str]) -> ProfileSaved:
    """``set_up`` with the profile as a form posts it; a refusal is returned with whether the
    organisation was already configured (the form says so)."""
    configured = organisation.find_own_issuer(session) is not None
    try:
        return ProfileSaved(configured, set_up(session, actor, IssuerIn.model_validate(values)))
    except (ValidationError, FacturoError) as exc:
        return ProfileSaved(configured, refused=exc)


@dataclass(frozen=True)
class SeriesScreen:
    issuer: Issuer | None  # None before the profile exists
    series: list[Series] = field(default_factory=list)


def series_screen(session: Session) -> SeriesScreen:
    return SeriesScreen(organisation.find_own_issuer(session), own_series(session))


@dataclass(frozen=True)
class SeriesCreated:
    screen: SeriesScreen  # the series page as it was before
    series: Series | None = None
    refused: Refusal | None = None


def create_own_series_from(session: Session, actor: Actor, values: Mapping[str, Any]) -> SeriesCreated:
    """``create_own_series`` with the series as a form posts it, and the page to show it again."""
    screen = series_screen(session)
    try:
        return SeriesCreated(screen, create_own_series(session, actor, SeriesIn.model_validate(values)))
    except (ValidationError, FacturoError) as exc:
        return SeriesCreated(screen, refused=exc)
