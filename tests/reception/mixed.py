"""A deterministic batch of mixed received documents (FEL, UBL, JSON, broken ones, duplicates),
each with the verdict it must get: the 10,000-document zip test and bench/reception_speed.py."""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from stdnum.gt import nit as gt_nit

from tests.reception.documents import as_bytes, invoice

DATA = Path(__file__).resolve().parents[1] / "data" / "einvoice"
_FEL_UUID = "7A3C91E2-4B5D-4E6F-8A90-1B2C3D4E5F60"
_FEL_ISSUER = 'NITEmisor="50123459"'


@dataclass(frozen=True)
class Mixed:
    name: str
    data: bytes
    kind: str
    # accepted, rejected, or duplicate (the same bytes as an earlier document: nothing new)
    expected: str
    rule: str | None = None  # the rule a rejected document must show


def valid_nit(body: int) -> str:
    digits = str(body)
    return digits + gt_nit.calc_check_digit(digits)


@cache
def _signed_fel() -> str:
    from tests.reception.fel.make_fixtures import fixture_bytes, make_signer, sign_dte

    signed = sign_dte(
        fixture_bytes("fel-fact-certificada.xml"), make_signer("Emisor de prueba"), make_signer("Certificador")
    )
    return signed.decode("utf-8")


def fel_document(n: int, issuer_nit: str) -> bytes:
    """The certified FACT fixture as another authorization: a UUID of its own, with Serie (its
    first 8 hex digits) and Numero (hex digits 9-16 as a number) derived from it."""
    uuid = f"{n:08X}-{(n * 7919) % 0xFFFF:04X}-4{n % 0xFFF:03X}-8A90-{n:012X}"
    hex_digits = uuid.replace("-", "")
    serie, numero = hex_digits[:8], str(int(hex_digits[8:16], 16))
    text = _signed_fel()
    text = text.replace(
        f'Numero="1264406127" Serie="7A3C91E2">{_FEL_UUID}', f'Numero="{numero}" Serie="{serie}">{uuid}'
    )
    text = text.replace("<dte:Correlativo>1045</dte:Correlativo>", f"<dte:Correlativo>{n}</dte:Correlativo>")
    return text.replace(_FEL_ISSUER, f'NITEmisor="{issuer_nit}"').encode("utf-8")


@cache
def _ubl_template() -> str:
    return (DATA / "ubl-invoice.xml").read_text(encoding="utf-8")


def ubl_document(n: int) -> bytes:
    return _ubl_template().replace("<cbc:ID>CV-2024-0042</cbc:ID>", f"<cbc:ID>CV-2024-{n:06d}</cbc:ID>").encode("utf-8")


def mixed_documents(count: int, seed: int = 2026, *, formats: tuple[str, ...] = ("json", "fel", "ubl")) -> list[Mixed]:
    """``count`` documents in a fixed order for a seed. Valid documents of each format in
    ``formats``, JSON with a wrong total, truncated XML, binary junk, exact repeats of earlier
    documents and JSON reusing an accepted number with other content."""
    rng = random.Random(seed)
    issuers = [valid_nit(4_000_000 + 137 * i) for i in range(20)]
    documents: list[Mixed] = []
    accepted_json: list[tuple[str, int]] = []
    kinds = [k for k in ("json", "fel", "ubl") if k in formats]
    for n in range(1, count + 1):
        roll = rng.random()
        if roll < 0.70:
            kind = kinds[n % len(kinds)]
            issuer = issuers[n % len(issuers)]
            if kind == "json":
                documents.append(Mixed(f"{n:05d}.json", as_bytes(invoice(n, issuer_nit=issuer)), "json", "accepted"))
                accepted_json.append((issuer, n))
            elif kind == "fel":
                documents.append(Mixed(f"{n:05d}-fel.xml", fel_document(n, issuer), "fel", "accepted"))
            else:
                documents.append(Mixed(f"{n:05d}-ubl.xml", ubl_document(n), "ubl", "accepted"))
        elif roll < 0.76:
            bad = as_bytes(invoice(n, issuer_nit=issuers[n % 20], total="1.00"))
            documents.append(Mixed(f"{n:05d}-mal.json", bad, "json-bad", "rejected", "JSON-TOTAL"))
        elif roll < 0.80:
            whole = as_bytes(invoice(n))
            documents.append(
                Mixed(
                    f"{n:05d}-cortado.xml",
                    f"<?xml version='1.0'?><a n='{n}'><b>".encode() + whole[:40],
                    "truncated",
                    "rejected",
                    "XML-MALFORMED",
                )
            )
        elif roll < 0.83:
            # Led by a byte no text format starts with: random junk that opens with "{" is bad JSON.
            junk = b"\x89" + rng.randbytes(64) + b"\x00"
            documents.append(Mixed(f"{n:05d}.bin", junk, "junk", "rejected", "FORMAT-UNKNOWN"))
        elif roll < 0.93 and documents:
            first = next((d for d in reversed(documents) if d.expected != "duplicate"), None)
            if first is not None:
                documents.append(
                    Mixed(f"{n:05d}-repetido{Path(first.name).suffix}", first.data, "same-bytes", "duplicate")
                )
        elif accepted_json:
            issuer, number = accepted_json[rng.randrange(len(accepted_json))]
            # Other content (the receiver's name carries n), so two reuses of one number differ too.
            receiver = {"id": "CF", "name": f"Cliente {n}"}
            again = as_bytes(invoice(number, issuer_nit=issuer, issue_date="2026-12-01", receiver=receiver))
            documents.append(Mixed(f"{n:05d}-mismo-numero.json", again, "same-number", "rejected", "DUPLICATE-NUMBER"))
    return documents


def zip_bytes(documents: list[Mixed]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            archive.writestr(document.name, document.data)
    return buffer.getvalue()


def by_kind(documents: list[Mixed]) -> Iterator[tuple[str, int]]:
    kinds: dict[str, int] = {}
    for d in documents:
        kinds[d.kind] = kinds.get(d.kind, 0) + 1
    yield from sorted(kinds.items())
