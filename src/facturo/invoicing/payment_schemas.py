from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from facturo.kit.schemas import Amount, Out, PositiveAmount, Strict


class Method(StrEnum):
    CASH = "cash"
    CREDIT_CARD = "credit_card"
    DEBIT_CARD = "debit_card"
    BANK_TRANSFER = "bank_transfer"
    CHEQUE = "cheque"
    PAYPAL = "paypal"
    NETELLER = "neteller"


METHOD_LABELS_ES = {
    Method.CASH: "Efectivo",
    Method.CREDIT_CARD: "Tarjeta de crédito",
    Method.DEBIT_CARD: "Tarjeta de débito",
    Method.BANK_TRANSFER: "Transferencia bancaria",
    Method.CHEQUE: "Cheque",
    Method.PAYPAL: "PayPal",
    Method.NETELLER: "Neteller",
}


class SplitIn(Strict):
    method: Method
    amount: PositiveAmount
    reference: str = Field(default="", max_length=120)


class PaymentIn(Strict):
    received_on: date | None = Field(default=None, description="Defaults to today in the issuer's time zone.")
    splits: list[SplitIn] = Field(min_length=1, max_length=20)
    notes: str = Field(default="", max_length=500)


class ReversalIn(Strict):
    reason: str = Field(min_length=5, max_length=500)


class SplitOut(Out):
    method: Method
    amount: Amount
    reference: str


class PaymentOut(Out):
    id: int
    invoice_id: int
    received_on: date
    amount: Amount
    currency: str
    notes: str
    status: str
    reversal_reason: str
    reversed_at: datetime | None
    splits: list[SplitOut]
    invoice_status: str | None = None
    invoice_balance: Amount | None = None
