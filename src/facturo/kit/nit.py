"""Guatemalan NIT (tax id) validation, on python-stdnum's ``stdnum.gt.nit``."""

from __future__ import annotations

from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError
from stdnum.gt import nit as gt_nit

from facturo.kit.errors import ValidationFailed

CONSUMIDOR_FINAL = "CF"


def normalize_nit(raw: str, field: str = "nit") -> str:
    """Return the NIT as ``1234567-8`` (upper-case K), or ``CF``; refuse anything else clearly."""
    value = (raw or "").strip().upper()
    if value.replace(" ", "").replace(".", "") in {"CF", "C/F", "C.F."}:
        return CONSUMIDOR_FINAL
    try:
        compact = gt_nit.validate(value)
    except InvalidChecksum:
        expected = _expected_check_digit(value)
        raise ValidationFailed.on(
            field,
            "nit.check_digit",
            f"El NIT {value} no es válido: el dígito verificador no corresponde"
            + (f" (para {expected[0]} debería ser {expected[1]})." if expected else "."),
            f"NIT {value} is invalid: the check digit does not match"
            + (f" (for {expected[0]} it should be {expected[1]})." if expected else "."),
        ) from None
    except (InvalidFormat, InvalidLength, ValidationError):
        raise ValidationFailed.on(
            field,
            "nit.format",
            f"El NIT «{raw}» no tiene un formato válido: use dígitos, guion y dígito verificador "
            "(por ejemplo 576937-K) o CF para consumidor final.",
            f"NIT “{raw}” is not well-formed: use digits, a hyphen and the check digit "
            "(for example 576937-K) or CF for a final consumer.",
        ) from None
    return str(gt_nit.format(compact))


def _expected_check_digit(value: str) -> tuple[str, str] | None:
    digits = gt_nit.compact(value)
    body = digits[:-1]
    if not body.isdigit():
        return None
    return body, str(gt_nit.calc_check_digit(body))
