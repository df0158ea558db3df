"""The lenient IPC2 value parsers, against the quirks seen in real course files (written down in
tests/data/README.md and reproduced by our fixtures in tests/data/ipc2)."""

from __future__ import annotations

import pickle
import string
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.gt import nit as gt_nit

from facturo.usage.ipc2.values import (
    Note,
    ValueRejected,
    clean,
    find_date,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_kind,
    parse_nit,
    parse_state,
)


def _date(text: str | None) -> date:
    return parse_date(text, field_es="fechaInicio", field_en="fechaInicio")


def _datetime(text: str | None) -> datetime:
    """The date-time of a text that has no impossible time (and so no warning)."""
    moment, notes = parse_datetime(text, field_es="fechaHora", field_en="fechaHora")
    assert notes == []
    return moment


def _hours(text: str | None, *, positive: bool = True, maximum: Decimal | None = None) -> Decimal:
    return parse_decimal(text, field_es="tiempo", field_en="time", max_places=2, positive=positive, maximum=maximum)


def _rejection(call: Callable[..., object], *args: object) -> Note:
    with pytest.raises(ValueRejected) as caught:
        call(*args)
    return caught.value.note


# ------------------------------------------------------------------------------------------------------ clean


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("", ""),
        (" XTECH Fuente de Poder Generica ", "XTECH Fuente de Poder Generica"),
        ("  4GB / 2666 Mhz ", "4GB / 2666 Mhz"),
        ("\n\t Default \n", "Default"),
    ],
)
def test_clean_strips_only_the_surrounding_whitespace(raw: str | None, expected: str) -> None:
    assert clean(raw) == expected


# ------------------------------------------------------------------------------------------------------ dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # 2022 grading configuration file
        (" esta es una descripcion de la fecha 26/02/2003 ", date(2003, 2, 26)),
        (
            " esta es una descripcion de la fecha 28/06/1998 y para ver que agarre la primera 30/08/2005",
            date(1998, 6, 28),
        ),
        (" 27/06/2009 ", date(2009, 6, 27)),
        (" la instancia fue cerrada el 15/12/2009 ", date(2009, 12, 15)),
        (" esta es una descripcion de la fecha 12/09/2015 ", date(2015, 9, 12)),
        # 2022 example configuration file
        ("10/06/2022 13:13", date(2022, 6, 10)),
        ("21/08/2022 USA", date(2022, 8, 21)),
        ("Guatemala 01/07/2022 ", date(2022, 7, 1)),
        ("10/07/2022 Guatemala", date(2022, 7, 10)),
        # 2025 complejo file
        ("26/02/2003", date(2003, 2, 26)),
        ("01/03/2026", date(2026, 3, 1)),
        # dd-mm-yyyy (Diego176-bit's PROYECTO3.xml) and yyyy-mm-dd (2022 example consumptions)
        ("15-05-2023", date(2023, 5, 15)),
        (" 2022-06-10 13:00 Guatemala ", date(2022, 6, 10)),
        # one-digit day and month
        ("1/7/2022", date(2022, 7, 1)),
        ("2022-7-1", date(2022, 7, 1)),
    ],
)
def test_the_first_date_in_the_text_is_read(raw: str, expected: date) -> None:
    assert _date(raw) == expected
    assert find_date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("31/02/2023 o 01/03/2023", date(2023, 3, 1)),
        ("00/05/2020 luego 02/05/2020", date(2020, 5, 2)),
        ("12/13/2020, es decir 13/12/2020", date(2020, 12, 13)),
        ("29/02/2023 no existe, 29/02/2024 sí", date(2024, 2, 29)),
        ("2023-02-30 y después 2023-03-02", date(2023, 3, 2)),
        ("31-04-2023 o 30-04-2023", date(2023, 4, 30)),
        ("01/01/1899 y 01/01/1900", date(1900, 1, 1)),
        ("01/01/3000 y 31/12/2999", date(2999, 12, 31)),
        ("0000-01-01 y 2001-01-01", date(2001, 1, 1)),
    ],
)
def test_invalid_candidates_are_skipped_and_the_search_goes_on(raw: str, expected: date) -> None:
    assert _date(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # position decides, whatever the form
        ("2020-01-02 antes que 03/04/2021", date(2020, 1, 2)),
        ("03/04/2021 antes que 2020-01-02", date(2021, 4, 3)),
        ("05-06-2019 antes que 2020-01-02", date(2019, 6, 5)),
        # overlapping candidates: "10-06-2022" starts before "2022-05-03"
        ("10-06-2022-05-03", date(2022, 6, 10)),
        # the first overlapping candidate is invalid, so the one that shares its year wins
        ("31-06-2022-05-03", date(2022, 5, 3)),
        # separators must match: "12/04-2022" is no candidate
        ("12/04-2022 o 13/04/2022", date(2022, 4, 13)),
        # a candidate glued to more digits is not a candidate
        ("123/04/2022 o 24/04/2022", date(2022, 4, 24)),
        ("12/04/20221 o 25/04/2022", date(2022, 4, 25)),
        ("ref 2012/04/2022", None),
        ("2022-06-101", None),
        ("12022-06-10", None),
        # a letter next to the digits does not glue them
        ("fecha:26/02/2003hrs", date(2003, 2, 26)),
    ],
)
def test_candidates_are_taken_in_order_of_position(raw: str, expected: date | None) -> None:
    assert find_date(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "22/06/22",  # two-digit year
        "2022/06/10",  # year first only with hyphens
        "10.06.2022",
        "10 de junio de 2022",
        "31/02/2023",
        "12/13/2020",
        "01/01/1899",
        "٢٦/٠٢/٢٠٠٣",  # Arabic-Indic digits are not dates a person typed here
    ],
)
def test_text_without_a_valid_date_finds_nothing(raw: str) -> None:
    assert find_date(raw) is None


def test_a_missing_date_is_rejected_naming_the_field_and_the_value() -> None:
    note = _rejection(_date, " N/A ")
    assert note == Note(
        "date.missing",
        "fechaInicio: no contiene una fecha válida dd/mm/aaaa («N/A»).",
        "fechaInicio: contains no valid dd/mm/yyyy date (“N/A”).",
    )


def test_the_field_labels_come_from_the_caller() -> None:
    with pytest.raises(ValueRejected) as caught:
        parse_date("31/02/2023", field_es="fecha final", field_en="end date")
    assert caught.value.note.es == "fecha final: no contiene una fecha válida dd/mm/aaaa («31/02/2023»)."
    assert caught.value.note.en == "end date: contains no valid dd/mm/yyyy date (“31/02/2023”)."


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_an_empty_date_is_rejected_as_empty(raw: str | None) -> None:
    note = _rejection(_date, raw)
    assert note.rule == "date.missing"
    assert note.es == "fechaInicio: está vacío; se esperaba una fecha dd/mm/aaaa."
    assert note.en == "fechaInicio: is empty; a dd/mm/yyyy date was expected."
    assert find_date(raw) is None


def test_a_long_text_is_quoted_shortened_on_one_line() -> None:
    raw = "sin fecha\n" + "x" * 200
    note = _rejection(_date, raw)
    quoted = note.es.split("«")[1].split("»")[0]
    assert quoted == "sin fecha " + "x" * 49 + "…"
    assert len(quoted) == 60


# ------------------------------------------------------------------------------------------------ date-times


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # 2025 complejo consumptions
        ("15/01/2023 10:00", datetime(2023, 1, 15, 10, 0)),
        ("18/02/2023 17:45", datetime(2023, 2, 18, 17, 45)),
        # 2022 example consumptions
        (" 2022-06-10 13:00 Guatemala ", datetime(2022, 6, 10, 13, 0)),
        (" 2022-06-12 12:20 USA", datetime(2022, 6, 12, 12, 20)),
        (" 2022-09-15 11:35 LTS", datetime(2022, 9, 15, 11, 35)),
        (" 2022-09-23 18:12 ", datetime(2022, 9, 23, 18, 12)),
        # 2022 grading consumptions: no time at all means midnight
        ("  esto es la fecha 15/06/2005  ", datetime(2005, 6, 15)),
        (" esto es la fecha 19/07/2009 y 25/12/2019 ", datetime(2009, 7, 19)),
        (" esto es la fecha 14/08/2010", datetime(2010, 8, 14)),
        (" esto es la fecha 06/07/2030", datetime(2030, 7, 6)),
        # 2022 example configuration
        ("10/06/2022 13:13", datetime(2022, 6, 10, 13, 13)),
        # seconds, one-digit hour, several spaces, the limits
        ("15/01/2023 10:00:59", datetime(2023, 1, 15, 10, 0, 59)),
        ("15/01/2023 8:05", datetime(2023, 1, 15, 8, 5)),
        ("15/01/2023   23:59", datetime(2023, 1, 15, 23, 59)),
        ("15/01/2023 00:00", datetime(2023, 1, 15, 0, 0)),
    ],
)
def test_date_times_read_the_time_right_after_the_first_date(raw: str, expected: datetime) -> None:
    parsed = _datetime(raw)
    assert parsed == expected
    assert parsed.tzinfo is None


@pytest.mark.parametrize(
    "raw",
    [
        "15/01/2023 100:00",  # not hh:mm: text after the date
        "15/01/2023 10:000",
        "15/01/2023 10:00:5",
        "15/01/2023T10:00",
        "15/01/2023 a las 10:00",
        "15/01/2023",
    ],
)
def test_a_missing_time_is_midnight_without_a_warning(raw: str) -> None:
    assert _datetime(raw) == datetime(2023, 1, 15, 0, 0)


@pytest.mark.parametrize(
    ("raw", "written", "microsecond"),
    [
        ("15/01/2023 24:34", "24:34", 243400),
        ("15/01/2023 25:00 Guatemala", "25:00", 250000),
        ("15/01/2023 12:61", "12:61", 126100),
        ("15/01/2023 24:00", "24:00", 240000),
        ("15/01/2023 10:00:60", "10:00:60", 100060),
        ("15/01/2023 99:99:99", "99:99:99", 999999),
        (" 2023-01-15 7:75 USA", "7:75", 77500),
    ],
)
def test_an_impossible_time_is_midnight_with_a_warning_and_keeps_its_digits(
    raw: str, written: str, microsecond: int
) -> None:
    moment, notes = parse_datetime(raw, field_es="fechaHora", field_en="fechaHora")
    # Shown as 00:00 everywhere; the digits in the microseconds keep different texts apart.
    assert moment == datetime(2023, 1, 15, 0, 0, 0, microsecond)
    assert f"{moment:%d/%m/%Y %H:%M}" == "15/01/2023 00:00"
    assert notes == [
        Note(
            "datetime.bad_time",
            f"fechaHora: la hora «{written}» no existe; se registró el 15/01/2023 a las 00:00.",
            f"fechaHora: the time “{written}” does not exist; it was recorded on 2023-01-15 at 00:00.",
        )
    ]


def test_different_impossible_times_of_one_day_stay_different() -> None:
    moments = {parse_datetime(f"15/01/2023 {t}", field_es="f", field_en="f")[0] for t in ("24:34", "24:35", "25:34")}
    assert len(moments) == 3
    assert datetime(2023, 1, 15) not in moments  # nor the same as a reading written without a time


def test_the_time_belongs_to_the_valid_date_not_to_a_skipped_one() -> None:
    assert _datetime("31/02/2023 09:00 o 01/03/2023 17:30") == datetime(2023, 3, 1, 17, 30)
    assert _datetime("31/02/2023 09:00 o 01/03/2023") == datetime(2023, 3, 1, 0, 0)


def test_a_date_time_without_a_date_is_rejected() -> None:
    note = _rejection(_datetime, "10:00 Guatemala")
    assert note.rule == "date.missing"
    assert note.es == "fechaHora: no contiene una fecha válida dd/mm/aaaa («10:00 Guatemala»)."
    assert note.en == "fechaHora: contains no valid dd/mm/yyyy date (“10:00 Guatemala”)."
    assert _rejection(_datetime, "15/01/202310:00").rule == "date.missing"


_NO_DIGITS = st.text(alphabet=string.ascii_letters + " áéñ.,:;", max_size=30)


@given(
    day=st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)),
    before=_NO_DIGITS,
    after=_NO_DIGITS,
    pad=st.booleans(),
)
def test_any_valid_date_in_free_text_round_trips(day: date, before: str, after: str, pad: bool) -> None:
    written = f"{day.day:02d}/{day.month:02d}/{day.year}" if pad else f"{day.day}/{day.month}/{day.year}"
    assert find_date(f"{before}{written}{after}") == day
    assert _date(f"{before} {written} {after}") == day


@given(
    moment=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2999, 12, 31, 23, 59)),
    after=_NO_DIGITS,
)
def test_any_date_time_round_trips_to_the_minute(moment: datetime, after: str) -> None:
    written = f"{moment:%d/%m/%Y %H:%M} {after}"
    assert _datetime(written) == moment.replace(second=0, microsecond=0)


@given(st.text(max_size=80))
def test_find_date_never_raises_and_agrees_with_parse_date(text: str) -> None:
    found = find_date(text)
    if found is None:
        assert _rejection(_date, text).rule == "date.missing"
    else:
        assert _date(text) == found
        assert 1900 <= found.year <= 2999


# ------------------------------------------------------------------------------------------------------- NIT


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019160-k", "2019160-K"),  # 2022 grading file, lower-case k
        ("2019160-K", "2019160-K"),
        (" 576937-K ", "576937-K"),
        ("00576937-K", "576937-K"),  # leading zeros are not part of the number
    ],
)
def test_well_formed_nits_have_no_notes(raw: str, expected: str) -> None:
    assert parse_nit(raw) == (expected, [])


@pytest.mark.parametrize(
    ("raw", "expected", "should_be"),
    [
        # the other sample clients' NITs are made up: the format is right, the check digit is not
        (" 2020001-9 ", "2020001-9", "3"),
        ("2021055-3", "2021055-3", "8"),
        ("1159328-6", "1159328-6", "8"),
        ("6362564-2", "6362564-2", "4"),
        ("34300-4", "34300-4", "5"),
    ],
)
def test_sample_nits_with_made_up_check_digits_only_warn(raw: str, expected: str, should_be: str) -> None:
    nit, notes = parse_nit(raw)
    assert nit == expected
    body = expected.split("-")[0]
    assert [note.rule for note in notes] == ["nit.check_digit"]
    assert notes[0].es == f"NIT {expected}: el dígito verificador no corresponde (para {body} debería ser {should_be})."
    assert notes[0].en == f"NIT {expected}: the check digit does not match (for {body} it should be {should_be})."


def test_a_nit_without_hyphen_takes_the_last_character_as_check_digit() -> None:
    nit, notes = parse_nit("3000")
    assert nit == "300-0"
    assert [note.rule for note in notes] == ["nit.no_hyphen", "nit.check_digit"]
    assert notes[0].es == "NIT «3000»: no tiene guion; se tomó el último carácter como dígito verificador (300-0)."
    assert notes[0].en == "NIT “3000”: has no hyphen; the last character was taken as the check digit (300-0)."
    assert notes[1].es == "NIT 300-0: el dígito verificador no corresponde (para 300 debería ser K)."
    assert notes[1].en == "NIT 300-0: the check digit does not match (for 300 it should be K)."


@pytest.mark.parametrize(
    ("raw", "expected", "rules"),
    [
        ("3002", "300-2", ["nit.no_hyphen", "nit.check_digit"]),
        ("20191609", "2019160-9", ["nit.no_hyphen", "nit.check_digit"]),
        ("576937k", "576937-K", ["nit.no_hyphen"]),
    ],
)
def test_older_nits_without_hyphen_are_accepted_with_warnings(raw: str, expected: str, rules: list[str]) -> None:
    nit, notes = parse_nit(raw)
    assert nit == expected
    assert [note.rule for note in notes] == rules


def test_a_wrong_check_digit_is_only_a_warning() -> None:
    nit, notes = parse_nit("2019160-9")
    assert nit == "2019160-9"
    assert notes == [
        Note(
            "nit.check_digit",
            "NIT 2019160-9: el dígito verificador no corresponde (para 2019160 debería ser K).",
            "NIT 2019160-9: the check digit does not match (for 2019160 it should be K).",
        )
    ]


@pytest.mark.parametrize(
    "raw",
    [
        "2019160 -K",
        "2.019.160-K",
        "2019 160-K",
        "2019160--K",
        "1-2-3",
        "A019160-K",
        "2019160-X",
        "2019160-",
        "-K",
        "K",
        "5",
        "0-0",
        "0000",
        "1234567890123-4",  # 13-digit body
        "CF",
        "٣٠٠٠",
    ],
)
def test_malformed_nits_are_rejected_naming_the_value(raw: str) -> None:
    note = _rejection(parse_nit, raw)
    assert note.rule == "nit.format"
    assert note.es == (
        f"NIT «{raw}»: no tiene un formato válido; se esperan dígitos, guion y dígito verificador 0-9 o K, "
        "por ejemplo 2019160-K."
    )
    assert note.en == (
        f"NIT “{raw}”: is not well-formed; expected digits, a hyphen and a check digit 0-9 or K, for example 2019160-K."
    )


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_an_empty_nit_is_rejected(raw: str | None) -> None:
    note = _rejection(parse_nit, raw)
    assert note.rule == "nit.format"
    assert note.es.startswith("NIT: está vacío; se esperan dígitos, guion y dígito verificador 0-9 o K")
    assert note.en.startswith("NIT: is empty; expected digits")


def test_the_longest_body_is_twelve_digits() -> None:
    body = "100000000001"
    assert parse_nit(f"{body}-{gt_nit.calc_check_digit(body)}") == (f"{body}-{gt_nit.calc_check_digit(body)}", [])


@given(body=st.integers(min_value=1, max_value=10**12 - 1), lower=st.booleans(), hyphen=st.booleans())
def test_any_body_with_its_check_digit_parses(body: int, lower: bool, hyphen: bool) -> None:
    check = gt_nit.calc_check_digit(str(body))
    written = f"{body}-{check}" if hyphen else f"{body}{check}"
    nit, notes = parse_nit(f" {written.lower() if lower else written} ")
    assert nit == f"{body}-{check}"
    assert [note.rule for note in notes] == ([] if hyphen else ["nit.no_hyphen"])


# ------------------------------------------------------------------------------------------------ state, kind


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Cancelada ", "cancelada"),
        ("Vigente", "vigente"),
        ("VIGENTE", "vigente"),
        ("CANCELADA", "cancelada"),
        ("vigente", "vigente"),
    ],
)
def test_known_states_in_any_case(raw: str, expected: str) -> None:
    assert parse_state(raw) == (expected, [])


@pytest.mark.parametrize("raw", [" Activa ", "Activa", "ACTIVO", "activo"])
def test_activa_is_read_as_vigente_with_a_warning(raw: str) -> None:
    state, notes = parse_state(raw)
    assert state == "vigente"
    assert notes == [
        Note(
            "state.activa_as_vigente",
            f"estado «{raw.strip()}»: se registró como Vigente.",
            f"state “{raw.strip()}”: recorded as Vigente (active).",
        )
    ]


@pytest.mark.parametrize("raw", ["Inactiva", "Suspendida", "Vigente.", "", None])
def test_other_states_are_rejected_naming_the_accepted_ones(raw: str | None) -> None:
    note = _rejection(parse_state, raw)
    shown = clean(raw)
    assert note == Note(
        "state.unknown",
        f"estado «{shown}»: no es un estado conocido; se acepta Vigente o Cancelada.",
        f"state “{shown}”: is not a known state; Vigente or Cancelada is accepted.",
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" Hardware ", "hardware"), ("HARDWARE", "hardware"), ("SOFTWARE", "software"), ("software", "software")],
)
def test_known_kinds_in_any_case(raw: str, expected: str) -> None:
    assert parse_kind(raw) == (expected, [])


@pytest.mark.parametrize("raw", ["Procesamiento", "Almacenamiento", " Red "])
def test_other_kinds_are_recorded_as_hardware_with_a_warning(raw: str) -> None:
    kind, notes = parse_kind(raw)
    assert kind == "hardware"
    assert notes == [
        Note(
            "kind.assumed_hardware",
            f"tipo «{raw.strip()}»: no es Hardware ni Software; se registra como Hardware.",
            f"type “{raw.strip()}”: is neither Hardware nor Software; it is recorded as Hardware.",
        )
    ]


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_an_empty_kind_is_rejected(raw: str | None) -> None:
    assert _rejection(parse_kind, raw) == Note(
        "kind.missing",
        "tipo: está vacío; se acepta Hardware o Software.",
        "type: is empty; Hardware or Software is accepted.",
    )


# --------------------------------------------------------------------------------------------------- decimals


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" 2.6 ", "2.6"),
        (" 10.25 ", "10.25"),
        (" 23.30", "23.30"),
        ("10.0", "10.0"),
        (" 2 ", "2"),
        ("0.5", "0.5"),
        (".5", "0.5"),
        ("5.", "5"),
        ("007", "7"),
        ("1.250", "1.250"),  # trailing zeros do not count as decimals, and are kept
    ],
)
def test_plain_decimals_keep_their_digits(raw: str, expected: str) -> None:
    parsed = _hours(raw)
    assert parsed == Decimal(expected)
    assert str(parsed) == expected


def test_many_digits_stay_exact() -> None:
    raw = "123456789012345678901234567890.12"
    assert str(parse_decimal(raw, field_es="valorXhora", field_en="hourly price", max_places=2)) == raw


@pytest.mark.parametrize(
    "raw",
    ["10,25", "1e3", "1E3", "+5", "NaN", "nan", "Infinity", "-Infinity", "1,000.50", "1 000", "1_000", "abc", ".", "-",
     "2 h", "--5", "0x10", "٣"],
)  # fmt: skip
def test_anything_but_plain_notation_is_rejected_naming_the_value(raw: str) -> None:
    note = _rejection(_hours, raw)
    assert note == Note(
        "number.format",
        f"tiempo: «{raw}» no es un número válido; use dígitos y punto decimal, por ejemplo 10.25.",
        f"time: “{raw}” is not a valid number; use digits and a dot for decimals, for example 10.25.",
    )


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_an_empty_number_is_rejected(raw: str | None) -> None:
    note = _rejection(_hours, raw)
    assert note.rule == "number.format"
    assert note.es == "tiempo: está vacío; use dígitos y punto decimal, por ejemplo 10.25."
    assert note.en == "time: is empty; use digits and a dot for decimals, for example 10.25."


@pytest.mark.parametrize("raw", ["0", "0.00", "-0", "-1", "-0.01", " -2.5 "])
def test_zero_and_negatives_are_rejected_when_positive(raw: str) -> None:
    note = _rejection(_hours, raw)
    assert note == Note(
        "number.not_positive",
        f"tiempo: «{raw.strip()}» no es válido; debe ser mayor que cero.",
        f"time: “{raw.strip()}” is not valid; it must be greater than zero.",
    )


@pytest.mark.parametrize(("raw", "expected"), [("0", "0"), ("0.00", "0.00"), ("-0", "0"), ("-0.0", "0.0")])
def test_zero_is_allowed_when_not_positive_and_never_signed(raw: str, expected: str) -> None:
    parsed = _hours(raw, positive=False)
    assert str(parsed) == expected
    assert not parsed.is_signed()


@pytest.mark.parametrize("raw", ["-1", "-0.5"])
def test_negatives_are_never_allowed(raw: str) -> None:
    note = _rejection(lambda: _hours(raw, positive=False))
    assert note == Note(
        "number.not_positive",
        f"tiempo: «{raw}» no es válido; debe ser cero o más.",
        f"time: “{raw}” is not valid; it must be zero or more.",
    )


@pytest.mark.parametrize(("raw", "places"), [("0.01", 2), ("0.010", 2), ("2.50", 1), ("3.000", 0), ("7", 0)])
def test_places_are_counted_without_trailing_zeros(raw: str, places: int) -> None:
    assert parse_decimal(raw, field_es="x", field_en="x", max_places=places) == Decimal(raw)


def test_too_many_decimals_are_rejected() -> None:
    note = _rejection(_hours, "0.005")
    assert note == Note(
        "number.too_precise",
        "tiempo: «0.005» tiene demasiados decimales; el campo admite como máximo 2 decimales.",
        "time: “0.005” has too many decimal places; the field allows at most 2 decimal places.",
    )


def test_too_many_decimals_for_one_place_or_whole_numbers() -> None:
    one = _rejection(lambda: parse_decimal("1.25", field_es="cantidad", field_en="quantity", max_places=1))
    assert one.es == "cantidad: «1.25» tiene demasiados decimales; el campo admite como máximo 1 decimal."
    assert one.en == "quantity: “1.25” has too many decimal places; the field allows at most 1 decimal place."
    whole = _rejection(lambda: parse_decimal("2.5", field_es="cantidad", field_en="quantity", max_places=0))
    assert whole.rule == "number.too_precise"
    assert whole.es == "cantidad: «2.5» tiene demasiados decimales; el campo solo admite números enteros."
    assert whole.en == "quantity: “2.5” has too many decimal places; the field only allows whole numbers."


def test_a_value_above_the_maximum_is_rejected_and_the_maximum_itself_passes() -> None:
    assert _hours("744", maximum=Decimal("744")) == Decimal("744")
    note = _rejection(lambda: _hours("744.01", maximum=Decimal("744")))
    assert note == Note(
        "number.too_large",
        "tiempo: «744.01» es demasiado grande; el máximo es 744.",
        "time: “744.01” is too large; the maximum is 744.",
    )
    big = _rejection(lambda: _hours("2000000", maximum=Decimal("1E+6")))
    assert big.es == "tiempo: «2000000» es demasiado grande; el máximo es 1000000."


def test_checks_run_format_then_sign_then_precision_then_size() -> None:
    assert _rejection(lambda: _hours("-1.234", maximum=Decimal(1))).rule == "number.not_positive"
    assert _rejection(lambda: _hours("5.555", maximum=Decimal(1))).rule == "number.too_precise"


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2, allow_nan=False))
def test_any_positive_two_place_decimal_round_trips(value: Decimal) -> None:
    assert _hours(f" {value:f} ") == value


# ----------------------------------------------------------------------------------------------- the exception


def test_the_rejection_carries_its_note_and_survives_pickling() -> None:
    note = Note("nit.format", "es", "en")
    error = ValueRejected(note)
    assert error.note is note
    assert str(error) == "nit.format: en"
    again = pickle.loads(pickle.dumps(error))
    assert isinstance(again, ValueRejected)
    assert again.note == note


def test_notes_are_immutable_values() -> None:
    note = Note("kind.missing", "a", "b")
    assert note == Note("kind.missing", "a", "b")
    with pytest.raises(AttributeError):
        note.rule = "other"  # type: ignore[misc]
