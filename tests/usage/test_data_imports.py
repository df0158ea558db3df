"""Our three IPC2 fixture pairs (tests/data/ipc2, written to reproduce the quirks of the real course
files) import with exactly the counts, warnings and rejections the format's rules imply, item by
item, and re-importing creates nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facturo.auth.models import User
from facturo.auth.passwords import verify_password
from facturo.customers.models import Customer
from facturo.organisation.models import Issuer
from facturo.usage.billing import run_billing
from facturo.usage.import_report import ImportReport
from facturo.usage.models import Category, Configuration, Consumption, Instance, Resource
from tests.factories import ACTOR
from tests.usage.helpers import AULA, LEGADO, NUBE, counts, import_data, import_text, problems, read_data


def _all_unchanged(report: ImportReport) -> bool:
    return all(c["created"] == 0 and c["updated"] == 0 for c in report.counts.values())


def _stored_consumptions(session: Session) -> list[tuple[str, str, str]]:
    rows = session.execute(
        select(Instance.code, Consumption.hours, Consumption.consumed_on)
        .join(Instance, Instance.id == Consumption.instance_id)
        .order_by(Consumption.consumed_at)
    )
    return [(code, str(hours), day.isoformat()) for code, hours, day in rows]


def test_aula_configuration_message(session: Session, issuer: Issuer) -> None:
    report = import_data(session, AULA[0])
    assert counts(report) == {
        "resource": (5, 0, 0, 0),
        "category": (3, 0, 0, 0),
        "configuration": (4, 0, 0, 0),
        "customer": (3, 0, 0, 0),
        "portal_login": (3, 0, 0, 0),
        "instance": (4, 0, 0, 0),
    }
    assert problems(report.rejections) == []
    assert problems(report.warnings) == [
        # CF-01 appears under CT-10 and again, identical, under CT-20.
        (71, "configuration", "CF-01", "configuration.repeated"),
        (110, "portal_login", "amorales", "portal_login.notice"),  # clave "abc123" is short
        (117, "instance", "IN-01", "state.activa_as_vigente"),
        (133, "customer", "5012346-3", "nit.check_digit"),
        (133, "portal_login", "Bcastillo77", "portal_login.notice"),
        (140, "instance", "IN-03", "state.activa_as_vigente"),
        (149, "customer", "6645021-9", "nit.check_digit"),
        (149, "portal_login", "CMejia", "portal_login.notice"),
    ]
    repeated = report.warnings[0].note
    assert "CT-10" in repeated.es and "CT-20" in repeated.es
    assert "debería ser 7" in report.warnings[3].note.es
    assert "should be 7" in report.warnings[6].note.en

    # Padded values are trimmed; CF-01 stays in its first category.
    assert session.scalar(select(Resource.name).where(Resource.code == "RX-101")) == "Procesador Xeon"
    cf_01 = session.scalars(select(Configuration).where(Configuration.code == "CF-01")).one()
    assert session.scalar(select(Category.code).where(Category.id == cf_01.category_id)) == "CT-10"
    # Lower-case k is stored upper-case; "la primera" date wins; the sentence end date is read.
    assert session.scalar(select(Customer.name).where(Customer.nit == "2750381-K")) == "Andrea"
    in_04 = session.scalars(select(Instance).where(Instance.code == "IN-04")).one()
    assert (in_04.start_date.isoformat(), in_04.state, str(in_04.end_date)) == ("1999-07-02", "cancelada", "2011-11-20")
    in_01 = session.scalars(select(Instance).where(Instance.code == "IN-01")).one()
    assert (in_01.start_date.isoformat(), in_01.state, in_01.end_date) == ("2004-03-14", "vigente", None)

    # The clave became a hashed portal login, never stored as given.
    login = session.scalars(select(User).where(User.username == "amorales")).one()
    assert login.role == "customer" and login.password_hash != "abc123"
    assert verify_password(login.password_hash, "abc123")

    again = import_data(session, AULA[0])
    assert _all_unchanged(again)
    assert counts(again)["resource"] == (0, 0, 5, 0)


def test_aula_consumption_message(session: Session, issuer: Issuer) -> None:
    import_data(session, AULA[0])
    report = import_data(session, AULA[1])
    assert counts(report) == {"consumption": (4, 0, 0, 7)}
    assert problems(report.rejections) == [
        (7, "consumption", "IN-02", "consumption.after_end"),  # 03/10/2010, cancelled 30/09/2010
        (11, "consumption", "IN-02", "consumption.after_end"),  # 22/03/2011
        (15, "consumption", "IN-03", "consumption.before_start"),  # 11/11/2013, started 05/10/2016
        (19, "consumption", "IN-04", "consumption.after_end"),  # 08/08/2016, cancelled 20/11/2011
        (31, "consumption", "IN-03", "consumption.future"),  # 14/02/2031
        (35, "consumption", "IN-03", "consumption.before_start"),  # 30/12/2012
        (39, "consumption", "IN-04", "consumption.after_end"),  # the exact duplicate of line 19
    ]
    assert report.warnings == []
    assert "30/09/2010" in report.rejections[0].note.es
    assert "future" in report.rejections[4].note.en
    # The exact duplicate of an accepted reading, in the same message.
    assert problems(report.duplicates) == [(47, "consumption", "IN-01", "consumption.duplicate")]
    assert "línea 3" in report.duplicates[0].note.es and "line 3" in report.duplicates[0].note.en
    assert _stored_consumptions(session) == [
        ("IN-04", "5.0000", "2005-02-01"),  # inside its Cancelada instance's validity
        ("IN-01", "2.4000", "2006-05-18"),  # "esta es la fecha 18/05/2006": midnight
        ("IN-02", "6.0000", "2007-04-17"),  # "17/04/2007 y 01/01/2020": the first date
        ("IN-01", "1.7500", "2010-05-21"),
    ]

    again = import_data(session, AULA[1])
    assert counts(again) == {"consumption": (0, 0, 0, 7)}
    assert problems(again.duplicates) == [
        (line, "consumption", code, "consumption.duplicate")
        for line, code in ((3, "IN-01"), (23, "IN-01"), (27, "IN-02"), (43, "IN-04"), (47, "IN-01"))
    ]
    assert "un mensaje anterior" in again.duplicates[0].note.es
    assert session.scalar(select(func.count()).select_from(Consumption)) == 4


def test_aula_pair_bills_what_was_accepted(session: Session, issuer: Issuer) -> None:
    for name in AULA:
        import_data(session, name)
    result = run_billing(session, ACTOR, date(2000, 1, 1), date(2029, 12, 31), dry_run=True)
    assert [(inv.customer_nit, str(inv.total), inv.consumption_count) for inv in result.invoices] == [
        ("2750381-K", "1636.96", 3),  # 994.96 + 642.00
        ("6645021-9", "81.25", 1),  # 5 h × CF-04 (2 × 6.25 + 3.75 = 16.25/h)
    ]
    lines = [(ln.instance_code, str(ln.hours), str(ln.hour_rate), str(ln.total)) for ln in result.invoices[0].lines]
    assert lines == [
        # CF-03: 4 × 18.5 + 16 × 6.25 + 100 × 0.4 + 22 + 3.75 = 239.75/h; (2.4 + 1.75) h → 994.9625 → 994.96
        ("IN-01", "4.1500", "239.750000", "994.96"),
        # CF-01: 2 × 18.5 + 8 × 6.25 + 50 × 0.4 = 107/h; 6 h → 642.00
        ("IN-02", "6.0000", "107.000000", "642.00"),
    ]


def test_nube_pair(session: Session, issuer: Issuer) -> None:
    report = import_data(session, NUBE[0])
    assert counts(report) == {
        "resource": (8, 0, 0, 0),
        "category": (3, 0, 0, 0),
        "configuration": (6, 0, 0, 0),
        "customer": (3, 0, 0, 0),
        "portal_login": (3, 0, 0, 0),
        "instance": (6, 0, 0, 0),
    }
    assert problems(report.rejections) == []
    assert problems(report.warnings) == [
        (150, "customer", "1204587-K", "customer.email_invalid"),  # "ventas(arroba)esperanza"
        (157, "instance", "N-101", "instance.end_ignored"),  # VIGENTE with fechaFinal 31/12/2022
        (174, "customer", "3181726-5", "nit.check_digit"),
        (174, "portal_login", "altiplano", "portal_login.notice"),  # clave "ruta66"
        (181, "instance", "N-201", "instance.end_ignored"),
        (188, "instance", "N-202", "instance.end_ignored"),
        (198, "customer", "8830514-1", "nit.check_digit"),
        (198, "portal_login", "santalucia", "portal_login.notice"),  # clave "lucia2023"
        (205, "instance", "N-301", "instance.end_ignored"),
        (212, "instance", "N-302", "instance.end_ignored"),
    ]
    assert "debería ser 2" in report.warnings[2].note.es
    n_102 = session.scalars(select(Instance).where(Instance.code == "N-102")).one()
    assert (n_102.state, str(n_102.end_date)) == ("cancelada", "2022-06-30")
    n_101 = session.scalars(select(Instance).where(Instance.code == "N-101")).one()
    assert (n_101.state, n_101.end_date) == ("vigente", None)
    kinds = {code: kind for code, kind in session.execute(select(Resource.code, Resource.kind))}
    assert (kinds["R1"], kinds["R5"]) == ("hardware", "software")  # HARDWARE, SOFTWARE
    assert session.scalar(select(Customer.email).where(Customer.nit == "1204587-K")) in ("", None)

    consumptions = import_data(session, NUBE[1])
    assert counts(consumptions) == {"consumption": (10, 0, 0, 0)}
    assert consumptions.rejections == [] and consumptions.duplicates == [] and consumptions.warnings == []
    again = import_data(session, NUBE[1])
    assert counts(again) == {"consumption": (0, 0, 0, 0)} and len(again.duplicates) == 10


def test_legado_pair_with_old_nits_and_iso_dates(session: Session, issuer: Issuer) -> None:
    report = import_data(session, LEGADO[0])
    assert counts(report) == {
        "resource": (3, 0, 0, 0),
        "category": (2, 0, 0, 0),
        "configuration": (3, 0, 0, 0),
        "customer": (2, 0, 0, 0),
        "portal_login": (2, 0, 0, 0),
        "instance": (3, 0, 0, 0),
    }
    assert problems(report.warnings) == [
        (4, "resource", "2001", "kind.assumed_hardware"),  # "Procesamiento"
        (11, "resource", "2002", "kind.assumed_hardware"),  # "Almacenamiento"
        (68, "customer", "930-K", "nit.no_hyphen"),  # "930K", a valid NIT otherwise
        (84, "customer", "931-1", "nit.no_hyphen"),  # "9311"
        (84, "customer", "931-1", "nit.check_digit"),  # 931 takes 8
    ]
    instances = session.execute(select(Instance.code, Instance.start_date, Instance.end_date)).all()
    assert {code: (start.isoformat(), end and end.isoformat()) for code, start, end in instances} == {
        "81": ("2022-06-10", None),  # "10/06/2022 13:13", empty fechaFinal
        "82": ("2022-08-21", None),  # "21/08/2022 USA"
        "83": ("2022-07-01", "2022-07-10"),  # "Guatemala 01/07/2022 ", "10/07/2022 Guatemala"
    }

    consumptions = import_data(session, LEGADO[1])
    assert counts(consumptions) == {"consumption": (6, 0, 0, 1)}
    # Every reading writes its NIT without a hyphen, as its customer's definition did.
    assert problems(consumptions.warnings) == [
        (line, "consumption", code, "nit.no_hyphen")
        for line, code in ((3, "81"), (7, "81"), (11, "81"), (15, "82"), (19, "82"), (23, "83"), (27, "83"))
    ]
    assert "«930k»" in consumptions.warnings[2].note.es  # the text as written, lower-case k included
    # 2022-07-18 on instance 83, cancelled 10/07/2022.
    assert problems(consumptions.rejections) == [(27, "consumption", "83", "consumption.after_end")]
    assert [day for _, _, day in _stored_consumptions(session)] == [
        "2022-06-11",  # " 2022-06-11 09:00 Guatemala "
        "2022-06-13",
        "2022-06-16",
        "2022-07-05",
        "2022-09-01",
        "2022-09-20",
    ]

    result = run_billing(session, ACTOR, date(2022, 1, 1), date(2022, 12, 31), dry_run=True)
    assert [(inv.customer_nit, str(inv.total)) for inv in result.invoices] == [
        ("930-K", "1.06"),  # (6 + 4.5 + 1.25) h × (0.06 + 2 × 0.015 = 0.09/h) = 1.0575
        ("931-1", "15.76"),  # 12.33 + 3.43, below
    ]
    assert [str(ln.total) for ln in result.invoices[1].lines] == [
        "12.33",  # 82: (12.5 + 8.75) h × (2 × 0.06 + 4 × 0.015 + 0.4 = 0.58/h) = 12.325, half up
        "3.43",  # 83: 3.3 h × (4 × 0.06 + 2 × 0.4 = 1.04/h) = 3.432
    ]


def test_a_later_message_updates_and_versions(session: Session, issuer: Issuer) -> None:
    import_data(session, NUBE[0])
    changed = (
        read_data(NUBE[0])
        .replace("<valorXhora>2.5</valorXhora>", "<valorXhora>2.75</valorXhora>")
        .replace('<recurso id="R1">2</recurso>', '<recurso id="R1">3</recurso>')
        .replace("<nombre>Transportes del Altiplano</nombre>", "<nombre>Transportes del Altiplano, S.A.</nombre>")
    )
    report = import_text(session, changed)
    assert counts(report)["resource"] == (0, 1, 7, 0)
    assert counts(report)["configuration"] == (0, 1, 5, 0)
    assert counts(report)["customer"] == (0, 1, 2, 0)
    assert counts(report)["instance"] == (0, 0, 6, 0)
