"""Which price and which composition were in force at a moment, and what an hour cost then.

A version is in force from its ``valid_from`` until the next one; the first version also covers
everything before it, so a consumption recorded before its resource was first loaded is still rated.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol, TypeVar

from facturo.usage.models import Configuration, Resource


class Versioned(Protocol):
    @property
    def valid_from(self) -> datetime: ...


V = TypeVar("V", bound=Versioned)


def in_force(versions: Sequence[V], at: datetime) -> V:
    """The version in force at ``at``; ``versions`` sorted by ``valid_from``, never empty."""
    index = bisect_right([v.valid_from for v in versions], at) - 1
    return versions[max(index, 0)]


def change_points(versions: Sequence[Versioned]) -> list[datetime]:
    """Moments where a new version takes over (the first version has none: it covers all before)."""
    return [v.valid_from for v in versions[1:]]


@dataclass(frozen=True, slots=True)
class RatedResource:
    """A resource at a rate: as a configuration used it at a moment, or as a line snapshot froze it
    (``as_json`` / ``from_snapshot``), which is what the reports read back."""

    code: str
    name: str
    abbreviation: str
    metric: str
    kind: str
    quantity: Decimal
    price_per_hour: Decimal

    @property
    def hour_rate(self) -> Decimal:
        return self.quantity * self.price_per_hour

    def as_json(self) -> dict[str, str]:
        return {
            "code": self.code,
            "name": self.name,
            "abbreviation": self.abbreviation,
            "metric": self.metric,
            "kind": self.kind,
            "quantity": format(self.quantity, "f"),
            "price_per_hour": format(self.price_per_hour, "f"),
        }

    @classmethod
    def from_snapshot(cls, item: Mapping[str, str]) -> RatedResource:
        return cls(
            code=str(item.get("code", "")),
            name=str(item.get("name", "")),
            abbreviation=str(item.get("abbreviation", "")),
            metric=str(item.get("metric", "")),
            kind=str(item.get("kind", "")),
            quantity=Decimal(str(item.get("quantity", "0"))),
            price_per_hour=Decimal(str(item.get("price_per_hour", "0"))),
        )


@dataclass(frozen=True, slots=True)
class Rate:
    """What one hour of a configuration cost at a moment, resource by resource."""

    resources: tuple[RatedResource, ...]

    @property
    def per_hour(self) -> Decimal:
        return sum((r.hour_rate for r in self.resources), Decimal(0))


class RateBook:
    """Rates of configurations over time, from the versions already loaded in the session."""

    def __init__(self, configurations: Sequence[Configuration], resources: Sequence[Resource]) -> None:
        self._configurations = {c.id: c for c in configurations}
        self._resources = {r.id: r for r in resources}

    def configuration(self, configuration_id: int) -> Configuration:
        return self._configurations[configuration_id]

    def rate_at(self, configuration_id: int, at: datetime) -> Rate:
        version = in_force(self._configurations[configuration_id].versions, at)
        rated = []
        for item in version.items:
            resource = self._resources[item.resource_id]
            price = in_force(resource.prices, at).price_per_hour
            rated.append(
                RatedResource(
                    resource.code,
                    resource.name,
                    resource.abbreviation,
                    resource.metric,
                    resource.kind,
                    item.quantity,
                    price,
                )
            )
        return Rate(tuple(rated))

    def change_points(self, configuration_id: int) -> list[datetime]:
        """Every moment the configuration's hourly rate may change: new compositions and new prices
        of any resource it ever used."""
        configuration = self._configurations[configuration_id]
        points = set(change_points(configuration.versions))
        for version in configuration.versions:
            for item in version.items:
                points.update(change_points(self._resources[item.resource_id].prices))
        return sorted(points)
