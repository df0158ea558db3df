"""The three real IPC2 message pairs import with exactly the counts, warnings and rejections the
format's rules imply (../shared/samples/ipc2/README.md), item by item, and re-importing creates nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facturo.auth.models import User
from facturo.auth.passwords import verify_password
from facturo.customers.models import Customer
from facturo.organisation.models import Issuer
from facturo.usage.import_report import ImportReport
from facturo.usage.models import Consumption, Instance
from tests.usage.helpers import counts, import_sample, import_text, problems, read_sample


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
    # 2022-07-15 on instance 322, cancelled 10/07/2022.
    assert problems(consumptions.rejections) == [(23, "consumption", "322", "consumption.after_end")]


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
