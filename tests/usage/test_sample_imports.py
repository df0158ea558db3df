"""The outside corpus: the three real IPC2 message pairs (../shared/samples/ipc2, see its README)
import with exactly the counts, warnings and rejections the format's rules imply, item by item,
re-importing creates nothing, and billing gives the totals the README computes by hand.

Marked ``corpus``: skipped when the samples are absent, a failure under CI=true. The default suite
covers the same quirks with our own files (test_data_imports.py)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facturo.auth.models import User
from facturo.auth.passwords import verify_password
from facturo.customers.models import Customer
from facturo.organisation.models import Issuer
from facturo.usage.billing import run_billing
from facturo.usage.import_report import ImportReport
from facturo.usage.models import Consumption, Instance
from tests.factories import ACTOR
from tests.usage.helpers import counts, import_sample, import_text, problems, read_sample

pytestmark = pytest.mark.corpus


def _all_unchanged(report: ImportReport) -> bool:
    return all(c["created"] == 0 and c["updated"] == 0 for c in report.counts.values())


def test_grading_configuration_message(session: Session, issuer: Issuer) -> None:
    report = import_sample(session, "2s2022_tavico_grading_configuracion.xml")
    assert counts(report) == {
        "resource": (14, 0, 0, 0),
        "category": (3, 0, 0, 0),
        "configuration": (4, 0, 0, 0),
        "customer": (3, 0, 0, 0),
        "portal_login": (3, 0, 0, 0),
        "instance": (4, 0, 0, 0),
    }
    assert problems(report.rejections) == []
    assert problems(report.warnings) == [
        # CO-001 appears under CA-215 and again, identical, under CA-297.
        (136, "configuration", "CO-001", "configuration.repeated"),
        (177, "portal_login", "dnoriega", "portal_login.notice"),  # clave "123456" is short
        (184, "instance", "I-340", "state.activa_as_vigente"),
        (200, "customer", "1159328-6", "nit.check_digit"),
        (200, "portal_login", "Jacks128", "portal_login.notice"),
        (207, "instance", "I-732", "state.activa_as_vigente"),
        (216, "customer", "6362564-2", "nit.check_digit"),
        (216, "portal_login", "Cdelamarca623", "portal_login.notice"),
    ]
    repeated = report.warnings[0].note
    assert "CA-215" in repeated.es and "CA-297" in repeated.es
    assert "debería ser 8" in report.warnings[3].note.es

    # Lower-case k is stored upper-case; "la primera" date wins; the sentence end date is read.
    assert session.scalar(select(Customer.name).where(Customer.nit == "2019160-K")) == "David"
    i419 = session.scalars(select(Instance).where(Instance.code == "I-419")).one()
    assert (i419.start_date.isoformat(), i419.state, str(i419.end_date)) == ("1998-06-28", "cancelada", "2009-12-15")
    i340 = session.scalars(select(Instance).where(Instance.code == "I-340")).one()
    assert (i340.state, i340.end_date) == ("vigente", None)

    # The clave became a hashed portal login, never stored as given.
    login = session.scalars(select(User).where(User.username == "dnoriega")).one()
    assert login.role == "customer" and login.password_hash != "123456"
    assert verify_password(login.password_hash, "123456")

    again = import_sample(session, "2s2022_tavico_grading_configuracion.xml")
    assert _all_unchanged(again)
    assert counts(again)["resource"] == (0, 0, 14, 0)


def test_grading_consumption_message(session: Session, issuer: Issuer) -> None:
    import_sample(session, "2s2022_tavico_grading_configuracion.xml")
    report = import_sample(session, "2s2022_tavico_grading_consumos.xml")
    assert counts(report) == {"consumption": (3, 0, 0, 7)}
    assert problems(report.rejections) == [
        (7, "consumption", "I-336", "consumption.after_end"),  # 19/07/2009, cancelled 27/06/2009
        (11, "consumption", "I-336", "consumption.after_end"),  # 14/08/2010
        (15, "consumption", "I-732", "consumption.before_start"),  # 03/05/2012, started 12/09/2015
        (19, "consumption", "I-419", "consumption.after_end"),  # 21/11/2017, cancelled 15/12/2009
        (31, "consumption", "I-732", "consumption.future"),  # 06/07/2030
        (35, "consumption", "I-732", "consumption.before_start"),  # 09/11/2010
        (39, "consumption", "I-419", "consumption.after_end"),  # the exact duplicate of line 19
    ]
    assert "27/06/2009" in report.rejections[0].note.es
    assert "future" in report.rejections[4].note.en
    stored = session.execute(
        select(Instance.code, Consumption.hours, Consumption.consumed_on)
        .join(Instance, Instance.id == Consumption.instance_id)
        .order_by(Consumption.consumed_on)
    ).all()
    assert [(code, str(hours), day.isoformat()) for code, hours, day in stored] == [
        ("I-340", "2.6000", "2005-06-15"),  # "esto es la fecha 15/06/2005": midnight
        ("I-336", "5.0000", "2006-02-13"),  # "13/02/2006 y 25/12/2019": the first date
        ("I-340", "3.5000", "2009-06-16"),
    ]

    again = import_sample(session, "2s2022_tavico_grading_consumos.xml")
    assert counts(again) == {"consumption": (0, 0, 0, 7)}
    assert problems(again.duplicates) == [
        (3, "consumption", "I-340", "consumption.duplicate"),
        (23, "consumption", "I-340", "consumption.duplicate"),
        (27, "consumption", "I-336", "consumption.duplicate"),
    ]
    assert session.scalar(select(func.count()).select_from(Consumption)) == 3


def test_complejo_pair(session: Session, issuer: Issuer) -> None:
    report = import_sample(session, "2s2025_arreagaaa_complejo_configuraciones.xml")
    assert counts(report) == {
        "resource": (10, 0, 0, 0),
        "category": (3, 0, 0, 0),
        "configuration": (6, 0, 0, 0),
        "customer": (3, 0, 0, 0),
        "portal_login": (3, 0, 0, 0),
        "instance": (6, 0, 0, 0),
    }
    assert problems(report.rejections) == []
    assert problems(report.warnings) == [
        (155, "customer", "2019160-K", "customer.email_invalid"),  # "eMailCliente"
        (162, "instance", "1", "instance.end_ignored"),  # VIGENTE with fechaFinal 27/06/2009
        (179, "customer", "2020001-9", "nit.check_digit"),
        (179, "portal_login", "mperez", "portal_login.notice"),
        (186, "instance", "3", "instance.end_ignored"),
        (193, "instance", "4", "instance.end_ignored"),
        (203, "customer", "2021055-3", "nit.check_digit"),
        (203, "portal_login", "jlopez", "portal_login.notice"),
        (210, "instance", "5", "instance.end_ignored"),
        (217, "instance", "6", "instance.end_ignored"),
    ]
    instance_2 = session.scalars(select(Instance).where(Instance.code == "2")).one()
    assert (instance_2.state, str(instance_2.end_date)) == ("cancelada", "2009-06-27")

    consumptions = import_sample(session, "2s2025_arreagaaa_complejo_consumos.xml")
    assert counts(consumptions) == {"consumption": (10, 0, 0, 0)}
    assert consumptions.rejections == [] and consumptions.duplicates == []
    again = import_sample(session, "2s2025_arreagaaa_complejo_consumos.xml")
    assert counts(again) == {"consumption": (0, 0, 0, 0)} and len(again.duplicates) == 10


def test_example_pair_with_old_nits_and_iso_dates(session: Session, issuer: Issuer) -> None:
    report = import_sample(session, "2s2022_damianpeaf_example_configuracion.xml")
    assert counts(report) == {
        "resource": (4, 0, 0, 0),
        "category": (3, 0, 0, 0),
        "configuration": (4, 0, 0, 0),
        "customer": (2, 0, 0, 0),
        "portal_login": (2, 0, 0, 0),
        "instance": (3, 0, 0, 0),
    }
    assert problems(report.warnings) == [
        (4, "resource", "1000", "kind.assumed_hardware"),  # "Procesamiento"
        (11, "resource", "1001", "kind.assumed_hardware"),  # "Almacenamiento"
        (18, "resource", "1002", "kind.assumed_hardware"),
        (25, "resource", "1003", "kind.assumed_hardware"),
        (93, "customer", "300-0", "nit.no_hyphen"),  # "3000"
        (93, "customer", "300-0", "nit.check_digit"),
        (109, "customer", "300-2", "nit.no_hyphen"),
        (109, "customer", "300-2", "nit.check_digit"),
    ]
    dates = {code: day for code, day in session.execute(select(Instance.code, Instance.start_date))}
    assert {code: day.isoformat() for code, day in dates.items()} == {
        "31": "2022-06-10",
        "321": "2022-08-21",  # "21/08/2022 USA"
        "322": "2022-07-01",  # "Guatemala 01/07/2022 "
    }
    consumptions = import_sample(session, "2s2022_damianpeaf_example_consumos.xml")
    assert counts(consumptions) == {"consumption": (5, 0, 0, 1)}
    # Every reading writes its NIT without a hyphen ("3000", "3002"), as the customers' definitions do.
    assert problems(consumptions.warnings) == [
        (line, "consumption", code, "nit.no_hyphen")
        for line, code in ((3, "31"), (7, "31"), (11, "31"), (15, "321"), (19, "321"), (23, "322"))
    ]
    # 2022-07-15 on instance 322, cancelled 10/07/2022.
    assert problems(consumptions.rejections) == [(23, "consumption", "322", "consumption.after_end")]
    # The README's figures, with the dates read as yyyy-mm-dd, less the refused reading: its 74.97 for 3002
    # counts 23.3 h × 1.66 on instance 322 after its cancellation.
    result = run_billing(session, ACTOR, date(2022, 1, 1), date(2022, 12, 31), dry_run=True)
    assert [(inv.customer_nit, str(inv.total)) for inv in result.invoices] == [
        ("300-0", "2.43"),  # 20.25 h × 0.12
        ("300-2", "36.29"),  # 33.6 h × 1.08 = 36.288
    ]


def test_a_later_message_updates_and_versions(session: Session, issuer: Issuer) -> None:
    import_sample(session, "2s2025_arreagaaa_complejo_configuraciones.xml")
    changed = (
        read_sample("2s2025_arreagaaa_complejo_configuraciones.xml")
        .replace("<valorXhora>40</valorXhora>", "<valorXhora>45</valorXhora>")
        .replace('<recurso id="3">5</recurso>', '<recurso id="3">6</recurso>')
        .replace("<nombre>María Pérez</nombre>", "<nombre>María Pérez de León</nombre>")
    )
    report = import_text(session, changed)
    assert counts(report)["resource"] == (0, 1, 9, 0)
    assert counts(report)["configuration"] == (0, 1, 5, 0)
    assert counts(report)["customer"] == (0, 1, 2, 0)
    assert counts(report)["instance"] == (0, 0, 6, 0)


def test_complejo_pair_billed_for_2023(session: Session, issuer: Issuer) -> None:
    for name in ("2s2025_arreagaaa_complejo_configuraciones.xml", "2s2025_arreagaaa_complejo_consumos.xml"):
        import_sample(session, name)
    result = run_billing(session, ACTOR, date(2023, 1, 1), date(2023, 12, 31), dry_run=False)
    assert [(inv.customer_nit, str(inv.total)) for inv in result.invoices] == [
        ("2019160-K", "22781.25"),
        ("2020001-9", "17100.00"),
        ("2021055-3", "113387.50"),
    ]
    lines = [(str(ln.hours), str(ln.hour_rate), str(ln.total)) for ln in result.invoices[2].lines]
    assert lines == [
        ("18.2500", "5770.000000", "105302.50"),  # instance 5: 10 h + 8.25 h at conf5's 5770/h
        ("16.5000", "490.000000", "8085.00"),  # instance 6: 9.5 h + 7 h at conf6's 490/h
    ]


def test_grading_pair_bills_one_invoice(session: Session, issuer: Issuer) -> None:
    import_sample(session, "2s2022_tavico_grading_configuracion.xml")
    import_sample(session, "2s2022_tavico_grading_consumos.xml")
    result = run_billing(session, ACTOR, date(2000, 1, 1), date(2029, 12, 31), dry_run=False)
    # Only the consumptions inside each instance's validity: the README's 17744.45 for 2019160-K.
    assert [(inv.customer_nit, str(inv.total), inv.consumption_count) for inv in result.invoices] == [
        ("2019160-K", "17744.45", 3)
    ]
    lines = [(ln.instance_code, str(ln.hours), str(ln.hour_rate), str(ln.total)) for ln in result.invoices[0].lines]
    assert lines == [
        ("I-336", "5.0000", "1237.600000", "6188.00"),  # 13/02/2006 at CO-001's 1237.6/h
        ("I-340", "6.1000", "1894.500000", "11556.45"),  # 2.6 h + 3.5 h at CO-111's 1894.5/h
    ]
