"""One planted story over three weekly-ish audit runs (what test_gaps and test_reports check).

Tenant A, invoices of series A: 1..20 on the first upload without 5 (a single number) and 8..10 (a
run), 1..10 dated 31 January and 11..20 on 1 February (the gap 10 sits on the month boundary); its
invoice 15 is annulled by credit note A-1 (it keeps its number); invoice 12 is sent again with
other content (a duplicate number, rejected) and invoice 13 again byte for byte (nothing new).
Its credit notes (series A too, numbered apart): 1, 2, 4. The second upload brings 5 (fills a gap
whole) and 9 (fills part of 8..10, which splits), and 21, 25 (a new gap 22..24), the third 22..24
at once (that gap closes whole). Tenant B jumps from 3 to 20,005: a suspected restart. Tenant C
starts at 100; its later 50 is below its first number (no gap), 104 leaves 103 missing. A FEL
issuer numbers its DTEs 1 and 3 in the Adenda (its Serie/Numero change with every UUID); another
sends DTEs without a correlative: not auditable.
"""

from __future__ import annotations

import re
from datetime import date

from facturo.kit.db import Units
from facturo.reception import service as reception
from tests.reception.mixed import fel_document, valid_nit
from tests.sequence_audit.sequences import TENANT_A, TENANT_B, TENANT_C, accept, credit_note, json_invoice, sync_on

FEL_ISSUER = valid_nit(5_100_004)
FEL_UNNUMBERED = valid_nit(5_100_005)
RUN_1, RUN_2, RUN_3 = date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 6)
TODAY = date(2026, 3, 10)
JAN_31, FEB_1, MAR_1 = date(2026, 1, 31), date(2026, 2, 1), date(2026, 3, 1)


def _a(number: int) -> bytes:
    return json_invoice(number, issuer=TENANT_A, day=JAN_31 if number <= 10 else FEB_1)


def _fel(n: int, issuer: str, correlative: int | None) -> bytes:
    data = fel_document(n, issuer).decode()
    data = re.sub(
        r"<dte:Correlativo>\d+</dte:Correlativo>",
        "" if correlative is None else f"<dte:Correlativo>{correlative}</dte:Correlativo>",
        data,
    )
    return data.encode()


def first_upload() -> list[bytes]:
    a = [_a(n) for n in range(1, 21) if n not in (5, 8, 9, 10)]
    notes = [credit_note(1, issuer=TENANT_A, day=date(2026, 2, 5), of=15)]
    notes += [credit_note(n, issuer=TENANT_A, day=date(2026, 2, 5), of=n) for n in (2, 4)]
    again = [
        json_invoice(12, issuer=TENANT_A, day=FEB_1, receiver={"id": "CF", "name": "Otro cliente"}),
        _a(13),
    ]
    b = [json_invoice(n, issuer=TENANT_B, day=date(2026, 2, 10)) for n in (1, 2, 3)]
    c = [json_invoice(n, issuer=TENANT_C, day=date(2026, 2, 15)) for n in (100, 101, 102)]
    fel = [_fel(9001, FEL_ISSUER, 1), _fel(9003, FEL_ISSUER, 3), _fel(9101, FEL_UNNUMBERED, None)]
    fel.append(_fel(9102, FEL_UNNUMBERED, None))
    return a + notes + again + b + c + fel


def second_upload() -> list[bytes]:
    return [
        _a(5),
        _a(9),
        json_invoice(21, issuer=TENANT_A, day=MAR_1),
        json_invoice(25, issuer=TENANT_A, day=MAR_1),
        json_invoice(20_005, issuer=TENANT_B, day=MAR_1),
        json_invoice(50, issuer=TENANT_C, day=date(2026, 2, 14)),
        json_invoice(104, issuer=TENANT_C, day=MAR_1),
    ]


def third_upload() -> list[bytes]:
    return [json_invoice(n, issuer=TENANT_A, day=MAR_1) for n in (22, 23, 24)]


def play(units: Units, archive: reception.Archive) -> None:
    """The three uploads, each audited on its own day."""
    first = accept(units, archive, first_upload())
    # Invoice 12 again with other content is a duplicate number; 13 again is the same bytes.
    assert (first.accepted, first.rejected) == (16 + 3 + 3 + 3 + 4, 1)
    sync_on(units, RUN_1)
    assert accept(units, archive, second_upload()).accepted == 7
    sync_on(units, RUN_2)
    assert accept(units, archive, third_upload()).accepted == 3
    sync_on(units, RUN_3)


# What the reports must show after the story: (issuer, kind, series, first, last, status, restart).
EXPECTED = [
    (TENANT_A, "credit_note", "A", 3, 3, "open", False),
    (TENANT_A, "invoice", "A", 5, 5, "closed", False),
    (TENANT_A, "invoice", "A", 8, 8, "open", False),
    (TENANT_A, "invoice", "A", 9, 9, "closed", False),
    (TENANT_A, "invoice", "A", 10, 10, "open", False),
    (TENANT_A, "invoice", "A", 22, 24, "closed", False),
    (TENANT_B, "invoice", "A", 4, 20_004, "open", True),
    (TENANT_C, "invoice", "A", 103, 103, "open", False),
    (FEL_ISSUER, "FACT", "", 2, 2, "open", False),
]
