"""The client address a request comes from, as login limits and token use records see it.

Proxy headers are believed only from a trusted proxy (``FACTURO_TRUSTED_PROXIES``, empty by
default): otherwise any client could name itself anything in ``X-Forwarded-For`` and get a fresh
login allowance with every request. Behind trusted proxies, the client is the right-most address of
the ``X-Forwarded-For`` chain that is not itself a trusted proxy (the left-most entries are whatever
the client chose to send). ``facturo serve`` gives uvicorn the same list (``forwarded_allow_ips``),
so ``request.client`` agrees with this function.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from starlette.requests import Request

from facturo.kit.auth_settings import get_auth_settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]) -> tuple[tuple[Network, ...], frozenset[str]]:
    networks: list[Network] = []
    literals: set[str] = set()
    for entry in trusted:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            literals.add(entry)  # e.g. a unix socket name
    return tuple(networks), frozenset(literals)


def _trusted(host: str, trusted: tuple[str, ...]) -> bool:
    networks, literals = _networks(trusted)
    if host in literals:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


def resolve_client_address(peer: str | None, forwarded_for: Iterable[str], trusted: Iterable[str]) -> str:
    """The client's address from the direct peer and the ``X-Forwarded-For`` header values."""
    if not peer:
        return "unknown"
    proxies = tuple(trusted)
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop
    return hops[0] if hops else peer


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else None
    trusted = get_auth_settings().trusted_proxy_list()
    return resolve_client_address(peer, request.headers.getlist("x-forwarded-for"), trusted)
