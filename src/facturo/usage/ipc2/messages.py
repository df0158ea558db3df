"""Reading IPC2 messages into typed items, one per XML element, with its line number.

This module knows the tag names (Spanish, matched case-insensitively) and applies the value rules of
``values``; it never touches the database. Items that cannot be read become ``Problem`` records that
the importer reports next to the ones it finds against stored data.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import IO, Literal

from lxml import etree

from facturo.kit.errors import ValidationFailed
from facturo.kit.xml import UnsafeXmlError, XmlStream, child_text, iter_children, local_name, text_to_bytes
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
from facturo.usage.models import HOURS_SCALE, ITEM_QUANTITY_SCALE, PRICE_SCALE

MessageKind = Literal["configuration", "consumption"]
MAX_MESSAGE_BYTES = 200 * 1024 * 1024
_ROOTS: dict[str, MessageKind] = {"archivoconfiguraciones": "configuration", "listadoconsumos": "consumption"}
_MAX_HOURS = Decimal(100_000)
_MAX_PRICE = Decimal(1_000_000)
_MAX_QUANTITY = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class Problem:
    """A warning or a rejection about one item of a message."""

    line: int
    entity: str  # resource | category | configuration | customer | instance | consumption
    key: str
    note: Note


@dataclass(slots=True)
class ResourceItem:
    line: int
    code: str
    name: str
    abbreviation: str
    metric: str
    kind: str
    price_per_hour: Decimal


@dataclass(slots=True)
class CategoryItem:
    line: int
    code: str
    name: str
    description: str
    workload: str


@dataclass(slots=True)
class ConfigurationItem:
    line: int
    code: str
    name: str
    description: str
    category_code: str
    resources: dict[str, Decimal]  # resource code -> quantity, in message order

    def same_content(self, other: ConfigurationItem) -> bool:
        return (self.name, self.description, self.resources) == (other.name, other.description, other.resources)


@dataclass(slots=True)
class CustomerItem:
    line: int
    nit: str
    name: str
    username: str
    password: str
    address: str
    email: str


@dataclass(slots=True)
class InstanceItem:
    line: int
    code: str
    customer_nit: str
    configuration_code: str
    name: str
    start_date: date
    state: str
    end_date: date | None


@dataclass(slots=True)
class ConsumptionItem:
    line: int
    nit: str
    instance_code: str
    hours: Decimal
    at: datetime  # naive, in the organisation's time zone


@dataclass(slots=True)
class UnreadableConsumption:
    """A reading with a value that cannot be used (NIT, hours or date). What could be read is kept, so
    the importer still checks it against the stored data and the rejection lists every failing rule."""

    line: int
    instance_code: str
    nit: str | None  # None when the NIT itself is malformed
    at: datetime | None  # None when there is no valid date
    notes: list[Note]  # in field order: nitCliente, tiempo, fechaHora


@dataclass(slots=True)
class ConfigurationMessage:
    resources: list[ResourceItem] = field(default_factory=list)
    categories: list[CategoryItem] = field(default_factory=list)
    configurations: list[ConfigurationItem] = field(default_factory=list)
    customers: list[CustomerItem] = field(default_factory=list)
    instances: list[InstanceItem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rejections: list[Problem] = field(default_factory=list)


@dataclass(slots=True)
class ConsumptionMessage:
    consumptions: list[ConsumptionItem] = field(default_factory=list)
    unreadable: list[UnreadableConsumption] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rejections: list[Problem] = field(default_factory=list)


MessageSource = bytes | str | IO[bytes]


class MessageReader:
    """A message being read from a file, never whole in memory: its kind is known from the root
    element; then ``configuration()`` or ``consumptions()`` reads the rest. A malformed, hostile
    or unknown document is refused as a whole (:class:`ValidationFailed`), possibly after some
    items were read, so nothing may be written before the reading is done."""

    def __init__(self, source: MessageSource) -> None:
        try:
            self._stream = XmlStream(_binary(source), max_bytes=MAX_MESSAGE_BYTES)
            root = self._stream.root()
        except UnsafeXmlError as exc:
            raise _refused(exc) from None
        kind = _ROOTS.get(local_name(root).casefold())
        if kind is None:
            raise ValidationFailed.on(
                "message",
                "message.unknown_type",
                f"El documento <{local_name(root)}> no es un mensaje conocido: se esperaba "
                "<archivoConfiguraciones> o <listadoConsumos>.",
                f"Document <{local_name(root)}> is not a known message: expected "
                "<archivoConfiguraciones> or <listadoConsumos>.",
            )
        self.kind: MessageKind = kind

    @property
    def size(self) -> int:
        return self._stream.size

    @property
    def sha256(self) -> str:
        return self._stream.sha256

    def _completed(self, depth: int) -> Iterator[etree._Element]:
        try:
            yield from self._stream.completed(depth)
        except UnsafeXmlError as exc:
            raise _refused(exc) from None

    def configuration(self) -> ConfigurationMessage:
        """The whole configuration message (catalogs and customers: their items are kept)."""
        msg = ConfigurationMessage()
        readers = {
            ("listarecursos", "recurso"): lambda el: _read_resource(el, msg),
            ("listacategorias", "categoria"): lambda el: _read_category(el, msg),
            ("listaclientes", "cliente"): lambda el: _read_customer(el, msg),
        }
        for el in self._completed(2):
            parent = el.getparent()
            if parent is None:  # pragma: no cover - an element at depth 2 has a parent
                continue
            read = readers.get((local_name(parent).casefold(), local_name(el).casefold()))
            if read is not None:
                read(el)
        return msg

    def consumptions(self) -> Iterator[ConsumptionItem | UnreadableConsumption | Problem]:
        """Each reading of a consumption message as it is read, in file order; a ``Problem`` is a
        warning about the reading before it."""
        try:
            for el in self._completed(1):
                if local_name(el).casefold() == "consumo":
                    read, warnings = _read_consumption(el)
                    yield from warnings
                    yield read
        finally:
            # The value caches serve one message; kept, they would hold tens of MB after it.
            for cache in (_nit, _hours, _moment):
                cache.cache_clear()


def _binary(source: MessageSource) -> IO[bytes]:
    if isinstance(source, str):
        source = text_to_bytes(source, MAX_MESSAGE_BYTES)
    if isinstance(source, bytes):
        if len(source) > MAX_MESSAGE_BYTES:
            raise _refused(UnsafeXmlError.too_large(MAX_MESSAGE_BYTES))
        return io.BytesIO(source)
    return source


def _refused(exc: UnsafeXmlError) -> ValidationFailed:
    return ValidationFailed.on("message", exc.rule, exc.reason_es, exc.reason_en)


def read_message(data: MessageSource) -> ConfigurationMessage | ConsumptionMessage:
    """A whole message in memory (small messages and tests; imports stream with MessageReader)."""
    reader = MessageReader(data)
    if reader.kind == "configuration":
        return reader.configuration()
    msg = ConsumptionMessage()
    for read in reader.consumptions():
        if isinstance(read, Problem):
            msg.warnings.append(read)
        elif isinstance(read, UnreadableConsumption):
            msg.unreadable.append(read)
        else:
            msg.consumptions.append(read)
    return msg


def message_kind(message: ConfigurationMessage | ConsumptionMessage) -> MessageKind:
    return "configuration" if isinstance(message, ConfigurationMessage) else "consumption"


def _line(el: etree._Element) -> int:
    return int(el.sourceline or 0)


def _key(el: etree._Element, name: str = "id") -> str:
    exact = el.get(name)
    if exact is not None:
        return clean(str(exact))
    for attr, value in el.attrib.items():
        if isinstance(attr, str) and attr.casefold() == name.casefold():
            return clean(str(value))
    return ""


def _text(el: etree._Element, *names: str) -> str:
    return clean(child_text(el, *names))


def _nested(el: etree._Element, *path: str) -> Iterator[etree._Element]:
    """Elements under a chain of wrapper tags, e.g. listaRecursos/recurso."""
    if not path:
        yield el
        return
    for child in iter_children(el, path[0]):
        yield from _nested(child, *path[1:])


def _missing_id(entity_es: str, entity_en: str) -> Note:
    return Note(
        "id.missing", f"{entity_es} sin atributo id: se ignora.", f"{entity_en} without an id attribute: ignored."
    )


def _read_category(cat: etree._Element, msg: ConfigurationMessage) -> None:
    code = _key(cat)
    if not code:
        msg.rejections.append(Problem(_line(cat), "category", "", _missing_id("Categoría", "Category")))
        for conf in _nested(cat, "listaConfiguraciones", "configuracion"):
            note = Note(
                "configuration.category_rejected",
                "Su categoría fue rechazada; la configuración no se registra.",
                "Its category was rejected; the configuration is not recorded.",
            )
            msg.rejections.append(Problem(_line(conf), "configuration", _key(conf), note))
        return
    msg.categories.append(
        CategoryItem(_line(cat), code, _text(cat, "nombre"), _text(cat, "descripcion"), _text(cat, "cargaTrabajo"))
    )
    for conf in _nested(cat, "listaConfiguraciones", "configuracion"):
        _read_configuration_item(conf, code, msg)


def _read_resource(el: etree._Element, msg: ConfigurationMessage) -> None:
    code = _key(el)
    if not code:
        msg.rejections.append(Problem(_line(el), "resource", "", _missing_id("Recurso", "Resource")))
        return
    try:
        kind, notes = parse_kind(child_text(el, "tipo"))
        price = parse_decimal(
            child_text(el, "valorXhora"),
            field_es="valorXhora",
            field_en="valorXhora",
            max_places=PRICE_SCALE,
            positive=False,
            maximum=_MAX_PRICE,
        )
    except ValueRejected as exc:
        msg.rejections.append(Problem(_line(el), "resource", code, exc.note))
        return
    msg.warnings.extend(Problem(_line(el), "resource", code, note) for note in notes)
    name = _text(el, "nombre") or code
    msg.resources.append(
        ResourceItem(_line(el), code, name, _text(el, "abreviatura"), _text(el, "metrica"), kind, price)
    )


def _read_configuration_item(el: etree._Element, category_code: str, msg: ConfigurationMessage) -> None:
    code = _key(el)
    if not code:
        msg.rejections.append(Problem(_line(el), "configuration", "", _missing_id("Configuración", "Configuration")))
        return
    resources: dict[str, Decimal] = {}
    for res in _nested(el, "recursosConfiguracion", "recurso"):
        res_code = _key(res)
        try:
            quantity = parse_decimal(
                "".join(res.itertext()),
                field_es=f"cantidad del recurso {res_code}",
                field_en=f"quantity of resource {res_code}",
                max_places=ITEM_QUANTITY_SCALE,
                maximum=_MAX_QUANTITY,
            )
        except ValueRejected as exc:
            msg.rejections.append(Problem(_line(res), "configuration", code, exc.note))
            return
        if not res_code or res_code in resources:
            es = "un recurso sin id" if not res_code else f"el recurso {res_code} dos veces"
            en = "a resource without an id" if not res_code else f"resource {res_code} twice"
            note = Note(
                "configuration.resource_list", f"La configuración lista {es}.", f"The configuration lists {en}."
            )
            msg.rejections.append(Problem(_line(res), "configuration", code, note))
            return
        resources[res_code] = quantity
    if not resources:
        note = Note("configuration.empty", "La configuración no tiene recursos.", "The configuration has no resources.")
        msg.rejections.append(Problem(_line(el), "configuration", code, note))
        return
    msg.configurations.append(
        ConfigurationItem(
            _line(el), code, _text(el, "nombre") or code, _text(el, "descripcion"), category_code, resources
        )
    )


def _read_customer(el: etree._Element, msg: ConfigurationMessage) -> None:
    raw_nit = _key(el, "nit")
    try:
        nit, notes = parse_nit(raw_nit)
    except ValueRejected as exc:
        msg.rejections.append(Problem(_line(el), "customer", raw_nit, exc.note))
        for inst in _nested(el, "listaInstancias", "instancia"):
            note = Note(
                "instance.customer_rejected",
                f"El cliente {raw_nit} fue rechazado; su instancia no se registra.",
                f"Customer {raw_nit} was rejected; its instance is not recorded.",
            )
            msg.rejections.append(Problem(_line(inst), "instance", _key(inst), note))
        return
    msg.warnings.extend(Problem(_line(el), "customer", nit, note) for note in notes)
    msg.customers.append(
        CustomerItem(
            _line(el),
            nit,
            _text(el, "nombre") or nit,
            _text(el, "usuario"),
            # The password is taken exactly as written between the tags, only trimmed.
            _text(el, "clave"),
            _text(el, "direccion"),
            _text(el, "correoElectronico"),
        )
    )
    for inst in _nested(el, "listaInstancias", "instancia"):
        _read_instance(inst, nit, msg)


def _read_instance(el: etree._Element, nit: str, msg: ConfigurationMessage) -> None:
    code = _key(el)
    line = _line(el)
    if not code:
        msg.rejections.append(Problem(line, "instance", "", _missing_id("Instancia", "Instance")))
        return
    try:
        start = parse_date(child_text(el, "fechaInicio"), field_es="fechaInicio", field_en="fechaInicio")
        state, notes = parse_state(child_text(el, "estado"))
    except ValueRejected as exc:
        msg.rejections.append(Problem(line, "instance", code, exc.note))
        return
    warnings = [Problem(line, "instance", code, note) for note in notes]
    end_text = child_text(el, "fechaFinal")
    end: date | None = None
    if state == "cancelada":
        try:
            end = parse_date(end_text, field_es="fechaFinal", field_en="fechaFinal")
        except ValueRejected as exc:
            note = Note(
                "instance.cancelled_without_end",
                f"Instancia Cancelada sin fecha final válida: {exc.note.es}",
                f"Cancelled instance without a valid end date: {exc.note.en}",
            )
            msg.rejections.append(Problem(line, "instance", code, note))
            return
        if end < start:
            note = Note(
                "instance.end_before_start",
                f"La fecha final {end:%d/%m/%Y} es anterior a la de inicio {start:%d/%m/%Y}.",
                f"The end date {end.isoformat()} is before the start date {start.isoformat()}.",
            )
            msg.rejections.append(Problem(line, "instance", code, note))
            return
    else:
        ignored = find_date(end_text)
        if ignored is not None:
            warnings.append(
                Problem(
                    line,
                    "instance",
                    code,
                    Note(
                        "instance.end_ignored",
                        f"La instancia está Vigente: se ignora su fecha final {ignored:%d/%m/%Y}.",
                        f"The instance is active (Vigente): its end date {ignored.isoformat()} is ignored.",
                    ),
                )
            )
    msg.warnings.extend(warnings)
    msg.instances.append(
        InstanceItem(line, code, nit, _text(el, "idConfiguracion"), _text(el, "nombre") or code, start, state, end)
    )


def _children(el: etree._Element) -> dict[str, etree._Element]:
    """Child elements by case-folded local name (the first of each), built once per element."""
    found: dict[str, etree._Element] = {}
    for child in el:
        name = local_name(child)
        if name:
            found.setdefault(name.casefold(), child)
    return found


def _inner_text(el: etree._Element | None) -> str | None:
    return None if el is None else "".join(el.itertext())


# Consumption messages repeat the same NITs, hours and often the same date-times thousands of times;
# the value rules are pure functions, so each distinct text is read once per process. Each reader
# returns its value or None and at most one note (the rejection reason, or a warning with a value).


@lru_cache(maxsize=65_536)
def _nit(text: str) -> tuple[str | None, Note | None]:
    """The NIT and its ``nit.no_hyphen`` warning, or None and the ``nit.format`` rejection.

    The hyphen warning concerns the text of this message, so each reading gets it, as a customer
    does. A wrong check digit is said once, where the customer is defined: a consumption only refers
    to that customer, and an unknown NIT is rejected anyway."""
    try:
        nit, notes = parse_nit(text)
    except ValueRejected as exc:
        return None, exc.note
    return nit, next((n for n in notes if n.rule == "nit.no_hyphen"), None)


@lru_cache(maxsize=65_536)
def _hours(text: str | None) -> tuple[Decimal | None, Note | None]:
    try:
        hours = parse_decimal(
            text, field_es="tiempo", field_en="tiempo (hours)", max_places=HOURS_SCALE, maximum=_MAX_HOURS
        )
    except ValueRejected as exc:
        return None, exc.note
    return hours, None


@lru_cache(maxsize=65_536)
def _moment(text: str | None) -> tuple[datetime | None, Note | None]:
    """The date-time and its ``datetime.bad_time`` warning, or None and the ``date.missing`` rejection."""
    try:
        at, notes = parse_datetime(text, field_es="fechaHora", field_en="fechaHora")
    except ValueRejected as exc:
        return None, exc.note
    return at, notes[0] if notes else None


def _read_consumption(el: etree._Element) -> tuple[ConsumptionItem | UnreadableConsumption, list[Problem]]:
    """The reading of one ``consumo`` and the warnings about it."""
    line = _line(el)
    instance_code = _key(el, "idInstancia")
    children = _children(el)
    nit, nit_note = _nit(_key(el, "nitCliente"))
    hours, hours_note = _hours(_inner_text(children.get("tiempo")))
    at, at_note = _moment(_inner_text(children.get("fechahora")))
    refused: list[Note] = []
    warnings: list[Problem] = []
    if nit_note is not None or hours_note is not None or at_note is not None:
        for value, note in ((nit, nit_note), (hours, hours_note), (at, at_note)):
            if note is None:
                continue
            if value is None:
                refused.append(note)
            else:
                warnings.append(Problem(line, "consumption", instance_code, note))
    if nit is None or hours is None or at is None:
        return UnreadableConsumption(line, instance_code, nit, at, refused), warnings
    return ConsumptionItem(line, nit, instance_code, hours, at), warnings
