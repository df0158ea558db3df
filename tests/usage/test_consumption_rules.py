"""Consumption messages at the edges of the rules: impossible times kept apart with a warning, a
rejection that lists every rule a reading fails, NITs without a hyphen, one-digit days and months."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturo.organisation.models import Issuer
from facturo.usage.billing import run_billing
from facturo.usage.models import Consumption, Instance
from tests.factories import ACTOR
from tests.usage.helpers import counts, import_text, problems

GUATEMALA = ZoneInfo("America/Guatemala")
# CPU at Q10/h × 2: Q20/h. Customer 576937-K has VM1 (Vigente since 01/01/2024) and VM2 (Cancelada
# 01/01/2024–31/01/2024); customer 7719300-8 has VM3 (Vigente since 01/02/2024).
CATALOG = """<archivoConfiguraciones>
  <listaRecursos>
    <recurso id="CPU"><nombre>CPU</nombre><abreviatura>CPU</abreviatura><metrica>vCPU</metrica>
      <tipo>Hardware</tipo><valorXhora>10</valorXhora></recurso>
  </listaRecursos>
  <listaCategorias><categoria id="C1"><nombre>General</nombre><descripcion>d</descripcion>
    <cargaTrabajo>Media</cargaTrabajo><listaConfiguraciones>
      <configuracion id="K1"><nombre>Pequeña</nombre><descripcion>d</descripcion>
        <recursosConfiguracion><recurso id="CPU">2</recurso></recursosConfiguracion></configuracion>
    </listaConfiguraciones></categoria></listaCategorias>
  <listaClientes>
    <cliente nit="576937-K"><nombre>Cliente A</nombre><listaInstancias>
      <instancia id="VM1"><idConfiguracion>K1</idConfiguracion><nombre>vm1</nombre>
        <fechaInicio>01/01/2024</fechaInicio><estado>Vigente</estado><fechaFinal></fechaFinal></instancia>
      <instancia id="VM2"><idConfiguracion>K1</idConfiguracion><nombre>vm2</nombre>
        <fechaInicio>01/01/2024</fechaInicio><estado>Cancelada</estado><fechaFinal>31/01/2024</fechaFinal></instancia>
    </listaInstancias></cliente>
    <cliente nit="7719300-8"><nombre>Cliente B</nombre><listaInstancias>
      <instancia id="VM3"><idConfiguracion>K1</idConfiguracion><nombre>vm3</nombre>
        <fechaInicio>01/02/2024</fechaInicio><estado>Vigente</estado><fechaFinal></fechaFinal></instancia>
    </listaInstancias></cliente>
  </listaClientes>
</archivoConfiguraciones>"""


def _readings(*rows: tuple[str, str, str, str]) -> str:
    """One <consumo> per line (line 2 onwards), so each reading's line number is its position + 1."""
    body = "\n".join(
        f'<consumo nitCliente="{nit}" idInstancia="{code}">'
        f"<tiempo>{hours}</tiempo><fechaHora>{at}</fechaHora></consumo>"
        for nit, code, hours, at in rows
    )
    return f"<listadoConsumos>\n{body}\n</listadoConsumos>"


def _stored(session: Session) -> list[tuple[str, str, str, str]]:
    rows = session.execute(
        select(Instance.code, Consumption.consumed_at, Consumption.consumed_on, Consumption.hours)
        .join(Instance, Instance.id == Consumption.instance_id)
        .order_by(Consumption.consumed_at)
    )
    return [
        (code, f"{at.astimezone(GUATEMALA):%d/%m/%Y %H:%M}", day.isoformat(), str(hours))
        for code, at, day, hours in rows
    ]


def test_impossible_times_warn_and_stay_separate_readings(session: Session, issuer: Issuer) -> None:
    import_text(session, CATALOG)
    message = _readings(
        ("576937-K", "VM1", "2", "15/02/2024 24:34"),
        ("576937-K", "VM1", "2", "15/02/2024 25:00"),
        ("576937-K", "VM1", "2", "15/02/2024"),  # no time: midnight, and no warning
        ("576937-K", "VM1", "2", "15/02/2024 12:61"),
    )
    report = import_text(session, message)
    assert counts(report) == {"consumption": (4, 0, 0, 0)}
    assert report.duplicates == [] and report.rejections == []
    assert problems(report.warnings) == [
        (2, "consumption", "VM1", "datetime.bad_time"),
        (3, "consumption", "VM1", "datetime.bad_time"),
        (5, "consumption", "VM1", "datetime.bad_time"),
    ]
    assert report.warnings[0].note.es == "fechaHora: la hora «24:34» no existe; se registró el 15/02/2024 a las 00:00."
    assert report.warnings[0].note.en == (
        "fechaHora: the time “24:34” does not exist; it was recorded on 2024-02-15 at 00:00."
    )
    # All four on their day at 00:00, each its own reading.
    assert _stored(session) == [("VM1", "15/02/2024 00:00", "2024-02-15", "2.0000")] * 4

    # The same text again is the same reading: nothing new, four duplicates.
    again = import_text(session, message)
    assert counts(again) == {"consumption": (0, 0, 0, 0)}
    assert problems(again.duplicates) == [(n, "consumption", "VM1", "consumption.duplicate") for n in (2, 3, 4, 5)]
    assert len(_stored(session)) == 4

    # Billed like any other reading: 4 × 2 h × Q20/h = Q160.00.
    [invoice] = run_billing(session, ACTOR, date(2024, 2, 1), date(2024, 2, 29), dry_run=True).invoices
    assert (str(invoice.lines[0].hours), str(invoice.total)) == ("8.0000", "160.00")


def test_a_rejected_reading_lists_every_rule_it_fails(session: Session, issuer: Issuer) -> None:
    import_text(session, CATALOG)
    report = import_text(
        session,
        _readings(
            # line 2: an unknown NIT behind a malformed number of hours
            ("1204587-K", "VM1", "2,5", "10/02/2024 08:00"),
            # line 3: a malformed NIT, an unknown instance and no date at all
            ("12-34", "VM9", "1", "ayer por la tarde"),
            # line 4: another customer's instance, dated in the future
            ("7719300-8", "VM1", "1", "10/02/2999 08:00"),
            # line 5: zero hours on a cancelled instance, after its end
            ("576937-K", "VM2", "0", "05/02/2024 10:00"),
            # line 6: before the instance started, and too many decimals
            ("7719300-8", "VM3", "1.23456", "31/01/2024 23:00"),
            # line 7: a good reading, recorded
            ("576937-K", "VM1", "1.5", "10/02/2024 09:00"),
        ),
    )
    assert counts(report) == {"consumption": (1, 0, 0, 5)}  # five readings rejected, each counted once
    assert problems(report.rejections) == [
        (2, "consumption", "VM1", "consumption.unknown_customer"),
        (2, "consumption", "VM1", "number.format"),
        (3, "consumption", "VM9", "nit.format"),
        (3, "consumption", "VM9", "consumption.unknown_instance"),
        (3, "consumption", "VM9", "date.missing"),
        (4, "consumption", "VM1", "consumption.other_customer"),
        (4, "consumption", "VM1", "consumption.future"),
        (5, "consumption", "VM2", "number.not_positive"),
        (5, "consumption", "VM2", "consumption.after_end"),
        (6, "consumption", "VM3", "number.too_precise"),
        (6, "consumption", "VM3", "consumption.before_start"),
    ]
    line_2 = [p.note for p in report.rejections if p.line == 2]
    assert [n.es for n in line_2] == [
        "No existe un cliente con NIT 1204587-K.",
        "tiempo: «2,5» no es un número válido; use dígitos y punto decimal, por ejemplo 10.25.",
    ]
    assert [n.en for n in line_2] == [
        "There is no customer with NIT 1204587-K.",
        "tiempo (hours): “2,5” is not a valid number; use digits and a dot for decimals, for example 10.25.",
    ]
    assert _stored(session) == [("VM1", "10/02/2024 09:00", "2024-02-10", "1.5000")]
    # The receipt keeps every row as well.
    assert report.summary()["rejections"] == 11


def test_a_late_reading_with_another_fault_also_says_its_day_is_billed(session: Session, issuer: Issuer) -> None:
    import_text(session, CATALOG)
    import_text(session, _readings(("576937-K", "VM1", "1", "10/02/2024 09:00")))
    run_billing(session, ACTOR, date(2024, 2, 1), date(2024, 2, 29), dry_run=False)
    late = import_text(
        session,
        _readings(("576937-K", "VM1", "-1", "12/02/2024 09:00"), ("576937-K", "VM1", "2", "13/02/2024 09:00")),
    )
    assert problems(late.rejections) == [
        (2, "consumption", "VM1", "number.not_positive"),
        (2, "consumption", "VM1", "consumption.period_billed"),
        (3, "consumption", "VM1", "consumption.period_billed"),
    ]
    assert counts(late) == {"consumption": (0, 0, 0, 2)}


def test_a_nit_without_hyphen_in_a_consumption_gets_the_warning(session: Session, issuer: Issuer) -> None:
    import_text(session, CATALOG)
    report = import_text(
        session,
        _readings(
            ("576937k", "VM1", "1", "10/02/2024 09:00"),  # read as 576937-K, the customer's NIT
            ("576937-K", "VM1", "2", "11/02/2024 09:00"),  # written properly: no warning
            ("77193009", "VM3", "1", "12/02/2024 09:00"),  # 7719300-9: nobody's NIT (7719300 takes 8)
        ),
    )
    assert counts(report) == {"consumption": (2, 0, 0, 1)}
    assert problems(report.warnings) == [
        (2, "consumption", "VM1", "nit.no_hyphen"),
        (4, "consumption", "VM3", "nit.no_hyphen"),
    ]
    # The same words as for a customer defined without a hyphen; a wrong check digit is said where the
    # customer is defined, not again on each of its readings.
    assert report.warnings[0].note.es == (
        "NIT «576937k»: no tiene guion; se tomó el último carácter como dígito verificador (576937-K)."
    )
    assert report.warnings[1].note.en == (
        "NIT “77193009”: has no hyphen; the last character was taken as the check digit (7719300-9)."
    )
    assert problems(report.rejections) == [(4, "consumption", "VM3", "consumption.unknown_customer")]
    assert "7719300-9" in report.rejections[0].note.es


def test_one_digit_days_and_months_are_accepted(session: Session, issuer: Issuer) -> None:
    import_text(session, CATALOG)
    report = import_text(
        session,
        _readings(
            ("576937-K", "VM1", "1", "1/3/2024 8:05"),
            ("576937-K", "VM1", "2", "5/3/2024"),
            ("576937-K", "VM1", "3", "2024-3-9 17:30"),
        ),
    )
    assert counts(report) == {"consumption": (3, 0, 0, 0)}
    assert report.warnings == [] and report.rejections == []
    assert _stored(session) == [
        ("VM1", "01/03/2024 08:05", "2024-03-01", "1.0000"),
        ("VM1", "05/03/2024 00:00", "2024-03-05", "2.0000"),
        ("VM1", "09/03/2024 17:30", "2024-03-09", "3.0000"),
    ]
    moment = session.scalars(select(Consumption.consumed_at).order_by(Consumption.consumed_at)).first()
    assert moment == datetime(2024, 3, 1, 8, 5, tzinfo=GUATEMALA)


def test_an_instance_started_with_one_digit_dates(session: Session, issuer: Issuer) -> None:
    report = import_text(session, CATALOG.replace("01/02/2024", "1/2/2024"))
    assert report.rejections == []
    start = session.scalar(select(Instance.start_date).where(Instance.code == "VM3"))
    assert start == date(2024, 2, 1)
