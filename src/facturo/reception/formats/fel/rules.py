"""SAT business rules that can be checked from the document alone, with SAT's message ids.

The ids are those of SAT's catalogoMensajes 0.3.0 (FEL_RCPnnn) where one describes the check;
our own ids (FEL-...) otherwise. Rules that need SAT's registries (RTU, issued documents) are out
of reach for a receiver and not attempted. Amount comparisons use :mod:`.tolerance`.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from lxml import etree
from stdnum.gt import nit as gt_nit

from facturo.reception.formats.fel.common import dte, finding, location, parse_amount, text_of
from facturo.reception.formats.fel.complements import NoteReference
from facturo.reception.formats.fel.tolerance import half_unit, matches
from facturo.reception.formats.reading import Finding, Severity

IVA_FACTOR = Decimal("1.12")
# CodigoUnidadGravable for IVA: 1 taxed at 12 %, 2 exempt (0 %).
IVA_RATES = {1: Decimal("0.12"), 2: Decimal(0)}
# "Total de Impuestos calculado incorrectamente" has one id per tax in the catalog.
TAX_TOTAL_RULES = {
    "IVA": "FEL_RCP332",
    "PETROLEO": "FEL_RCP336",
    "TURISMO HOSPEDAJE": "FEL_RCP338",
    "TURISMO PASAJES": "FEL_RCP340",
    "TIMBRE DE PRENSA": "FEL_RCP342",
    "BOMBEROS": "FEL_RCP344",
    "TASA MUNICIPAL": "FEL_RCP346",
}
NOTE_TYPES = frozenset({"NCRE", "NDEB"})
# FEL_RCP312: document types that cannot be an export.
NOT_EXPORTABLE = frozenset({"NABN", "RDON", "RECI", "NCRE", "NDEB", "FESP"})


@dataclass(frozen=True)
class Amount:
    value: Decimal
    text: str
    element: etree._Element
    attribute: str | None = None

    @property
    def where(self) -> str:
        # Computed only for a finding: an XPath costs more than the check itself.
        return location(self.element, self.attribute)


def amount(el: etree._Element | None) -> Amount | None:
    text = text_of(el)
    value = parse_amount(text)
    if el is None or value is None or text is None:
        return None
    return Amount(value, text, el)


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.000001')):f}"


def _mismatch(rule: str, declared: Amount, computed: Decimal, es: str, en: str) -> Finding:
    return finding(
        rule,
        declared.where,
        f"{es}: se declara {declared.text}, el cálculo da {_fmt(computed)}.",
        f"{en}: {declared.text} is declared, the computation gives {_fmt(computed)}.",
    )


def derive_series_number(uuid: str) -> tuple[str, str] | None:
    """Serie and Numero as SAT derives them from the authorization UUID: the first 8 hex digits,
    and hex digits 9 to 16 (dashes left out) read as a decimal number."""
    digits = uuid.replace("-", "")
    if len(digits) != 32:
        return None
    try:
        return digits[:8].upper(), str(int(digits[8:16], 16))
    except ValueError:
        return None


def item_rules(item: etree._Element) -> Iterator[Finding]:
    quantity = amount(item.find(dte("Cantidad")))
    unit_price = amount(item.find(dte("PrecioUnitario")))
    price = amount(item.find(dte("Precio")))
    discount = amount(item.find(dte("Descuento")))
    other_discount = amount(item.find(dte("OtrosDescuento")))
    total = amount(item.find(dte("Total")))
    line = item.get("NumeroLinea", "?")

    if quantity and unit_price and price:
        computed = quantity.value * unit_price.value
        if not matches(price.value, price.text, computed, 2):
            yield _mismatch(
                "FEL_RCP313",
                price,
                computed,
                f"Precio calculado incorrectamente en la línea {line} (Cantidad × PrecioUnitario)",
                f"Price computed wrongly on line {line} (Cantidad × PrecioUnitario)",
            )
    net: Decimal | None = None
    if price:
        net = price.value - (discount.value if discount else 0) - (other_discount.value if other_discount else 0)
        if discount and discount.value > price.value:
            yield finding(
                "FEL_RCP314",
                discount.where,
                f"El Descuento ({discount.text}) no debe ser mayor al Precio ({price.text}) en la línea {line}.",
                f"The discount ({discount.text}) must not exceed the price ({price.text}) on line {line}.",
            )

    additive_taxes = Decimal(0)
    for tax in item.iterfind(f"{dte('Impuestos')}/{dte('Impuesto')}"):
        name = (text_of(tax.find(dte("NombreCorto"))) or "").strip()
        unit_text = text_of(tax.find(dte("CodigoUnidadGravable"))) or ""
        unit = int(unit_text) if unit_text.isdigit() and len(unit_text) <= 7 else None
        taxable = amount(tax.find(dte("MontoGravable")))
        tax_amount = amount(tax.find(dte("MontoImpuesto")))
        if name != "IVA":
            additive_taxes += tax_amount.value if tax_amount else 0
            continue
        if taxable is None:
            if tax.find(dte("MontoGravable")) is None:
                yield finding(
                    "FEL_RCP329",
                    location(tax),
                    f"Monto Gravable debe estar presente para IVA (línea {line}).",
                    f"MontoGravable must be present for IVA (line {line}).",
                )
            continue
        if unit == 1 and net is not None:
            computed = net / IVA_FACTOR
            inputs = [a.text for a in (price, discount, other_discount) if a is not None]
            carried = sum((half_unit(text) for text in inputs), Decimal(0)) / IVA_FACTOR
            if not matches(taxable.value, taxable.text, computed, 3, carried):
                yield _mismatch(
                    "FEL_RCP226",
                    taxable,
                    computed,
                    f"Monto Gravable calculado incorrectamente para el IVA en la línea {line} "
                    "((Precio − Descuento − OtrosDescuento) / 1.12)",
                    f"IVA taxable amount computed wrongly on line {line} "
                    "((Precio − Descuento − OtrosDescuento) / 1.12)",
                )
        rate = IVA_RATES.get(unit) if unit is not None else None
        if rate is not None and tax_amount is not None:
            computed = taxable.value * rate
            if not matches(tax_amount.value, tax_amount.text, computed, 1, rate * half_unit(taxable.text)):
                yield _mismatch(
                    "FEL_RCP331",
                    tax_amount,
                    computed,
                    f"Monto del Impuesto calculado incorrectamente en la línea {line} "
                    f"(MontoGravable × {rate * 100:f} %)",
                    f"Tax amount computed wrongly on line {line} (MontoGravable × {rate * 100:f} %)",
                )

    if total and net is not None:
        computed = net + additive_taxes
        if not matches(total.value, total.text, computed, 4):
            yield _mismatch(
                "FEL_RCP348",
                total,
                computed,
                f"Total calculado incorrectamente en la línea {line} (Precio − Descuentos + impuestos sumables)",
                f"Line total computed wrongly on line {line} (Precio − discounts + additive taxes)",
            )


def totals_rules(emission: etree._Element) -> Iterator[Finding]:
    items = list(emission.iterfind(f"{dte('Items')}/{dte('Item')}"))
    sums: dict[str, Decimal] = {}
    counts: dict[str, int] = {}
    for tax in emission.iterfind(f"{dte('Items')}/{dte('Item')}/{dte('Impuestos')}/{dte('Impuesto')}"):
        name = (text_of(tax.find(dte("NombreCorto"))) or "").strip()
        value = amount(tax.find(dte("MontoImpuesto")))
        if value is not None:
            sums[name] = sums.get(name, Decimal(0)) + value.value
            counts[name] = counts.get(name, 0) + 1
    totals = emission.find(dte("Totales"))
    if totals is None:
        return
    declared: dict[str, etree._Element] = {}
    for total_tax in totals.iterfind(f"{dte('TotalImpuestos')}/{dte('TotalImpuesto')}"):
        declared[(total_tax.get("NombreCorto") or "").strip()] = total_tax
    for name in sorted(set(sums) | set(declared)):
        rule = TAX_TOTAL_RULES.get(name, "FEL_RCP332")
        computed = sums.get(name, Decimal(0))
        el = declared.get(name)
        text = el.get("TotalMontoImpuesto") if el is not None else None
        declared_value = parse_amount(text)
        if el is None:
            if computed != 0:
                yield finding(
                    rule,
                    location(totals),
                    f"Falta TotalImpuesto para {name}: la suma de MontoImpuesto es {_fmt(computed)}.",
                    f"TotalImpuesto for {name} is missing: the sum of MontoImpuesto is {_fmt(computed)}.",
                )
            continue
        if declared_value is None or text is None:
            continue
        declared_amount = Amount(declared_value, text, el, "TotalMontoImpuesto")
        if not matches(declared_value, text, computed, counts.get(name, 0)):
            yield _mismatch(
                rule,
                declared_amount,
                computed,
                f"El total de impuesto {name} es diferente a la sumatoria de los Montos del Impuesto",
                f"The {name} tax total differs from the sum of the tax amounts",
            )
    grand = amount(totals.find(dte("GranTotal")))
    line_totals = [amount(item.find(dte("Total"))) for item in items]
    if grand is not None and all(line_totals):
        computed = sum((lt.value for lt in line_totals if lt), Decimal(0))
        if not matches(grand.value, grand.text, computed, len(line_totals)):
            yield _mismatch(
                "FEL_RCP349",
                grand,
                computed,
                "Gran Total calculado incorrectamente (sumatoria de los Total)",
                "Grand total computed wrongly (sum of the line totals)",
            )


def _nit_finding(rule: str, where: str, value: str, who_es: str, who_en: str) -> Finding:
    return finding(
        rule,
        where,
        f"El NIT {who_es} {value} tiene un dígito verificador inválido.",
        f"The {who_en} NIT {value} has an invalid check digit.",
    )


def cui_is_valid(value: str) -> bool:
    """A Guatemalan CUI (DPI): 8 digits, a mod-11 check digit, a department (01-22) and a
    municipality (01-99)."""
    if len(value) != 13 or not value.isdigit():
        return False
    check = sum(int(d) * (i + 2) for i, d in enumerate(value[:8])) % 11
    department, municipality = int(value[9:11]), int(value[11:13])
    return check == int(value[8]) and 1 <= department <= 22 and municipality >= 1


def nit_rules(emission: etree._Element, certification: etree._Element | None) -> Iterator[Finding]:
    issuer = emission.find(dte("Emisor"))
    if issuer is not None and issuer.get("NITEmisor"):
        value = issuer.get("NITEmisor", "").strip()
        if not gt_nit.is_valid(value):
            yield _nit_finding("FEL-NIT-EMISOR", location(issuer, "NITEmisor"), value, "del emisor", "issuer")
    receiver = emission.find(dte("Receptor"))
    if receiver is not None and receiver.get("IDReceptor"):
        value = receiver.get("IDReceptor", "").strip()
        special = (receiver.get("TipoEspecial") or "").strip()
        where = location(receiver, "IDReceptor")
        if special == "CUI":
            # A CUI that is not numeric at all is FEL_RCP307 (type_rules).
            if value.isdigit() and not cui_is_valid(value):
                yield finding(
                    "FEL_RCP308",
                    where,
                    f"El CUI del Receptor {value} tiene un dígito verificador inválido.",
                    f"The receiver's CUI {value} has an invalid check digit.",
                )
        elif value != "CF" and special != "EXT" and not gt_nit.is_valid(value):
            yield _nit_finding("FEL-NIT-RECEPTOR", where, value, "del receptor", "receiver")
    if certification is not None:
        el = certification.find(dte("NITCertificador"))
        value = text_of(el) or ""
        if el is not None and value and not gt_nit.is_valid(value):
            yield _nit_finding("FEL-NIT-CERTIFICADOR", location(el), value, "del certificador", "certifier")


def series_number_rules(certification: etree._Element) -> Iterator[Finding]:
    authorization = certification.find(dte("NumeroAutorizacion"))
    if authorization is None:
        return
    derived = derive_series_number(text_of(authorization) or "")
    if derived is None:
        return
    series, number = derived
    declared_series = (authorization.get("Serie") or "").strip()
    declared_number = (authorization.get("Numero") or "").strip()
    if declared_series and declared_series != series:
        yield finding(
            "FEL_RCP366",
            location(authorization, "Serie"),
            f"La serie del DTE ({declared_series}) no corresponde al número de autorización (se espera {series}).",
            f"The DTE series ({declared_series}) does not match the authorization number ({series} expected).",
        )
    if declared_number and declared_number.lstrip("0") != number:
        yield finding(
            "FEL_RCP367",
            location(authorization, "Numero"),
            f"El número del DTE ({declared_number}) no corresponde al número de autorización (se espera {number}).",
            f"The DTE number ({declared_number}) does not match the authorization number ({number} expected).",
        )


def note_rules(
    document_type: str | None, emission: etree._Element, references: list[NoteReference], issued: datetime | None
) -> Iterator[Finding]:
    if document_type in NOTE_TYPES and not references:
        yield finding(
            "FEL_RCP119",
            location(emission),
            f"Un {document_type} debe llevar el complemento ReferenciasNota con el documento de origen.",
            f"An {document_type} must carry the ReferenciasNota complement naming the original document.",
        )
        return
    if document_type not in NOTE_TYPES:
        for ref in references:
            yield finding(
                "FEL_RCP120",
                ref.where,
                f"El complemento ReferenciasNota no corresponde a un documento {document_type}.",
                f"The ReferenciasNota complement does not belong on a {document_type} document.",
            )
        return
    for ref in references:
        origin = ref.reference
        if not ref.old_regime and origin.authorization_uuid:
            derived = derive_series_number(origin.authorization_uuid)
            if derived is None:
                yield finding(
                    "FEL-REF-UUID",
                    location(ref.element, "NumeroAutorizacionDocumentoOrigen"),
                    "Sin RegimenAntiguo, el documento de origen se identifica con el UUID de su autorización.",
                    "Without RegimenAntiguo, the original document is identified by its authorization UUID.",
                )
            elif (origin.series, (origin.number or "").lstrip("0")) != derived:
                yield finding(
                    "FEL-REF-SERIE-NUMERO",
                    location(ref.element),
                    f"Serie y número del documento de origen ({origin.series} {origin.number}) no corresponden a su "
                    f"autorización (se espera {derived[0]} {derived[1]}).",
                    f"The original's series and number ({origin.series} {origin.number}) do not match its "
                    f"authorization ({derived[0]} {derived[1]} expected).",
                )
        if origin.issue_date and issued and origin.issue_date > issued.date():
            yield finding(
                "FEL-REF-FECHA",
                location(ref.element, "FechaEmisionDocumentoOrigen"),
                "El documento de origen no puede ser posterior a la nota que lo corrige.",
                "The original document cannot be dated after the note that corrects it.",
            )


def export_rules(document_type: str | None, general: etree._Element, receiver_id: str | None) -> Iterator[Finding]:
    if (general.get("Exp") or "").strip() != "SI":
        return
    if document_type in NOT_EXPORTABLE:
        yield finding(
            "FEL_RCP312",
            location(general, "Exp"),
            f"El Tipo de Documento {document_type} no puede utilizarse para una exportación.",
            f"Document type {document_type} cannot be used for an export.",
        )
    if receiver_id is not None and receiver_id != "CF":
        yield finding(
            "FEL_RCP311",
            location(general, "Exp"),
            "El NIT del Receptor debe ser CF para una exportación.",
            "The receiver's NIT must be CF for an export.",
        )


def dates_rules(issued: datetime | None, certified: datetime | None, at: etree._Element) -> Iterator[Finding]:
    if issued is None or certified is None:
        return
    last_day = calendar.monthrange(certified.year, certified.month)[1]
    if issued.date() > certified.date().replace(day=last_day):
        yield finding(
            "FEL_RCP301",
            location(at),
            "La fecha de emisión es posterior al último día del mes de la fecha de certificación.",
            "The issue date is after the last day of the certification date's month.",
            Severity.ERROR,
        )
