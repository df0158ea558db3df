"""Varied, valid EN 16931 UBL invoices for the validator benchmark.

The reception batch (``tests/reception/mixed.py``) repeats one small invoice with a new number,
which flatters anything that remembers what it has read (values, document shapes). These vary
like a real issuer's month: 1 to 25 lines (most invoices short), quantities and prices drawn
at random, one or two VAT rates (standard 21 % and reduced 10 %), a due date or not, a buyer VAT
identifier or not, and the totals computed exactly as EN 16931 wants them (line = quantity x
price, VAT per rate rounded half up to the cent, totals the sums). Every document is valid for
the official rules and for facturo's (the benchmark checks that both agree).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
RATES = (Decimal("21"), Decimal("10"))
UNITS = ("H87", "KGM", "LTR", "HUR", "C62")
WORDS = ("Café", "grano", "tostado", "taza", "cerámica", "servicio", "consultoría", "caja", "molido", "kilo")


def _money(value: Decimal) -> str:
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _line(number: int, quantity: int, price: Decimal, rate: Decimal, unit: str, name: str) -> str:
    return f"""  <cac:InvoiceLine>
    <cbc:ID>{number}</cbc:ID>
    <cbc:InvoicedQuantity unitCode="{unit}">{quantity}</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">{_money(quantity * price)}</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Name>{name}</cbc:Name>
      <cac:ClassifiedTaxCategory>
        <cbc:ID>S</cbc:ID>
        <cbc:Percent>{rate}</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">{price}</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
"""


def _subtotal(taxable: Decimal, tax: Decimal, rate: Decimal) -> str:
    return f"""    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="EUR">{_money(taxable)}</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="EUR">{_money(tax)}</cbc:TaxAmount>
      <cac:TaxCategory>
        <cbc:ID>S</cbc:ID>
        <cbc:Percent>{rate}</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:TaxCategory>
    </cac:TaxSubtotal>
"""


def _party(city: str, name: str, vat_id: str | None) -> str:
    scheme = (
        f"""      <cac:PartyTaxScheme>
        <cbc:CompanyID>{vat_id}</cbc:CompanyID>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:PartyTaxScheme>
"""
        if vat_id
        else ""
    )
    return f"""    <cac:Party>
      <cac:PostalAddress>
        <cbc:CityName>{city}</cbc:CityName>
        <cac:Country><cbc:IdentificationCode>ES</cbc:IdentificationCode></cac:Country>
      </cac:PostalAddress>
{scheme}      <cac:PartyLegalEntity><cbc:RegistrationName>{name}</cbc:RegistrationName></cac:PartyLegalEntity>
    </cac:Party>
"""


def ubl_invoice(rng: random.Random, number: int) -> bytes:
    """One valid invoice; ``rng`` decides everything but the number."""
    line_count = min(25, 1 + int(rng.expovariate(1 / 3)))
    rates = RATES if rng.random() < 0.3 else RATES[:1]
    lines, taxable = [], dict.fromkeys(rates, Decimal(0))
    for n in range(1, line_count + 1):
        quantity = rng.randint(1, 50)
        price = Decimal(rng.randint(50, 99_999)) / 100
        rate = rng.choice(rates)
        name = " ".join(rng.sample(WORDS, 3))
        lines.append(_line(n, quantity, price, rate, rng.choice(UNITS), name))
        taxable[rate] += quantity * price
    used = {rate for rate, base in taxable.items() if base}
    rates = tuple(rate for rate in rates if rate in used)  # a breakdown needs a line at its rate (BR-S-08)
    taxes = {rate: (taxable[rate] * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP) for rate in rates}
    net, tax = sum(taxable.values(), Decimal(0)), sum(taxes.values(), Decimal(0))
    issued = date(2024, 1, 1) + timedelta(days=rng.randint(0, 700))
    due = f"  <cbc:DueDate>{issued + timedelta(days=30)}</cbc:DueDate>\n" if rng.random() < 0.7 else ""
    buyer_vat = f"ESB{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.5 else None
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" \
xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" \
xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ID>FV-{issued.year}-{number:06d}</cbc:ID>
  <cbc:IssueDate>{issued}</cbc:IssueDate>
{due}  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty>
{_party("Madrid", "Café Volcán de Agua S.L.", "ESB12345674")}  </cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>
{_party("Sevilla", f"Cliente {rng.randint(1, 5000)} S.A.", buyer_vat)}  </cac:AccountingCustomerParty>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="EUR">{_money(tax)}</cbc:TaxAmount>
{"".join(_subtotal(taxable[rate], taxes[rate], rate) for rate in rates)}  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">{_money(net)}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">{_money(net)}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">{_money(net + tax)}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">{_money(net + tax)}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
{"".join(lines)}</Invoice>
""".encode()


def ubl_invoices(count: int, seed: int = 2026) -> list[bytes]:
    rng = random.Random(seed)
    return [ubl_invoice(rng, n) for n in range(1, count + 1)]
