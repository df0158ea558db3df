"""Synthetic IPC2 messages of any size: one ``archivoConfiguraciones`` and ``listadoConsumos`` files.

The messages follow the format of the samples in ../shared/samples/ipc2 (dd/mm/yyyy dates, hours
with a dot and up to 2 decimals, NITs with a computed check digit), and every good item is valid
against the data the configuration message creates:

* resources with prices of up to 4 decimals, categories, configurations of 2-5 resources with
  quantities of up to 2 decimals;
* customers with 1-3 instances each (``--instances``); instances start before or during the
  consumption period, one in ten is Cancelada with an end date inside the period;
* consumptions dated inside their instance's validity and inside the period, never two on the
  same instance and minute, so nothing in a good file is a duplicate by accident.

Consumption files are chronological: file i covers the i-th slice of the period (as a provider
would send them, one period after another) and its lines are sorted by date. Optional bad items
(``--bad-unknown``, ``--bad-future``, ``--bad-duplicates``, fractions of the good count) come on
top of the ``--consumptions`` good ones: an unknown instance, a date in 2099, an exact copy of a
line of the same file.

Portal logins (``usuario``/``clave``) are left out unless ``--with-passwords``: the importer
hashes each password with argon2id (~100 ms), which would dominate a large configuration import.

Deterministic for a given ``--seed`` and sizes. The generator also tallies, per instance, the
hours it wrote, so a benchmark can check billed totals against an independent computation
(``expected_cents``).

CLI::

    python bench/usage_messages.py --out /tmp/ipc2 --customers 10000 --consumptions 1000000 --per-file 100000

Importable: ``build_catalog``, ``make_customers``, ``configuration_xml``, ``consumption_files``,
``expected_cents``, ``Tally``.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import generate

DEFAULT_SEED = 20261121
PERIOD_START = date(2024, 1, 1)
PERIOD_END = date(2024, 12, 31)
CUSTOMER_NIT_BASE = generate.CUSTOMER_NIT_BASE
HOURS_MAX_HUNDREDTHS = 1_200  # 0.01 .. 12.00 hours per reading
MINUTES_PER_DAY = 24 * 60
FUTURE_YEAR = 2099
_MAX_REDRAWS = 1_000

_RESOURCE_KINDS = (
    ("Núcleo de procesamiento", "CPU", "vCPU", "Hardware"),
    ("Memoria de acceso aleatorio", "RAM", "GB", "Hardware"),
    ("Unidad de estado sólido", "SSD", "GB", "Hardware"),
    ("Tarjeta gráfica", "GPU", "Unidad", "Hardware"),
    ("Sistema operativo", "SO", "Licencia", "Software"),
    ("Base de datos SQL", "SQLDB", "Instancia", "Software"),
)
_WORKLOADS = ("Mínima", "Media", "Alta", "Crítica")


# --- the catalog: what the configuration message defines ---------------------------------------


@dataclass(frozen=True, slots=True)
class ResourceDef:
    code: str
    name: str
    abbreviation: str
    metric: str
    kind: str
    price: int  # valorXhora in 10^-4 units


@dataclass(frozen=True, slots=True)
class ConfigurationDef:
    code: str
    name: str
    category_code: str
    items: tuple[tuple[str, int], ...]  # (resource code, quantity in 10^-2 units)


@dataclass(frozen=True, slots=True)
class CategoryDef:
    code: str
    name: str
    description: str
    workload: str


@dataclass(frozen=True, slots=True)
class InstanceDef:
    code: str
    configuration_code: str
    name: str
    start: date
    end: date | None  # set only for a Cancelada instance


@dataclass(frozen=True, slots=True)
class CustomerDef:
    nit: str
    name: str
    username: str
    password: str
    address: str
    email: str
    instances: tuple[InstanceDef, ...]


@dataclass(frozen=True, slots=True)
class Catalog:
    resources: tuple[ResourceDef, ...]
    categories: tuple[CategoryDef, ...]
    configurations: tuple[ConfigurationDef, ...]
    customers: tuple[CustomerDef, ...]
    period_start: date = PERIOD_START
    period_end: date = PERIOD_END

    @property
    def instance_count(self) -> int:
        return sum(len(c.instances) for c in self.customers)

    @property
    def record_count(self) -> int:
        """Items of the configuration message: resources, categories, configurations, customers, instances."""
        return (
            len(self.resources)
            + len(self.categories)
            + len(self.configurations)
            + len(self.customers)
            + self.instance_count
        )

    def hour_rate(self, configuration_code: str) -> int:
        """The configuration's price of one hour in 10^-6 units: Σ quantity × valorXhora."""
        prices = {r.code: r.price for r in self.resources}
        configuration = next(c for c in self.configurations if c.code == configuration_code)
        return sum(quantity * prices[code] for code, quantity in configuration.items)


def units_text(value: int, scale: int) -> str:
    """An integer of 10^-scale units as plain decimal text without trailing zeros: 125000, 4 -> 12.5."""
    whole, frac = divmod(value, 10**scale)
    digits = f"{frac:0{scale}d}".rstrip("0") if scale else ""
    return f"{whole}.{digits}" if digits else str(whole)


def _definitions(
    rng: random.Random, resources: int, categories: int, configurations: int
) -> tuple[tuple[ResourceDef, ...], tuple[CategoryDef, ...], tuple[ConfigurationDef, ...]]:
    resource_defs = []
    for index in range(resources):
        name, abbreviation, metric, kind = _RESOURCE_KINDS[index % len(_RESOURCE_KINDS)]
        # 0.0100 .. 120.0000 per hour, with up to 4 decimals.
        resource_defs.append(
            ResourceDef(
                f"R-{index + 1:03d}", f"{name} {index + 1}", abbreviation, metric, kind, rng.randint(100, 1_200_000)
            )
        )
    category_defs = tuple(
        CategoryDef(
            f"CAT-{index + 1:02d}",
            f"Categoría {index + 1}",
            f"Instancias de carga {_WORKLOADS[index % len(_WORKLOADS)].lower()}",
            _WORKLOADS[index % len(_WORKLOADS)],
        )
        for index in range(categories)
    )
    configuration_defs = []
    for index in range(configurations):
        chosen = rng.sample(resource_defs, min(len(resource_defs), rng.randint(2, 5)))
        # 0.50 .. 32.00 units of each resource, some with 2 decimals.
        items = tuple((r.code, rng.choice((rng.randint(1, 64) * 50, rng.randint(50, 3_200)))) for r in chosen)
        configuration_defs.append(
            ConfigurationDef(
                f"CFG-{index + 1:03d}",
                f"Configuración {index + 1}",
                category_defs[index % len(category_defs)].code,
                items,
            )
        )
    return tuple(resource_defs), category_defs, tuple(configuration_defs)


def make_customers(
    count: int,
    configurations: Sequence[ConfigurationDef],
    rng: random.Random,
    *,
    instances: tuple[int, int] = (1, 3),
    nit_base: int = CUSTOMER_NIT_BASE,
    code_prefix: str = "",
    passwords: bool = False,
    period: tuple[date, date] = (PERIOD_START, PERIOD_END),
) -> tuple[CustomerDef, ...]:
    """``count`` customers with their instances; instance codes are ``<prefix>I-000001`` onwards."""
    start, end = period
    span = (end - start).days
    result = []
    serial = 0
    for index in range(count):
        body = nit_base + index
        customer_instances = []
        for _ in range(rng.randint(*instances)):
            serial += 1
            # Started up to a year before the period or in its first half.
            begins = start + timedelta(days=rng.randint(-365, span // 2))
            ends = None
            if rng.random() < 0.1:  # Cancelada, with at least 30 days of life inside the period
                earliest = max(begins, start) + timedelta(days=30)
                ends = earliest + timedelta(days=rng.randint(0, max(0, (end - earliest).days)))
            customer_instances.append(
                InstanceDef(
                    f"{code_prefix}I-{serial:06d}",
                    rng.choice(configurations).code,
                    f"Servidor {serial}",
                    begins,
                    ends,
                )
            )
        result.append(
            CustomerDef(
                nit=generate.nit_for(body),
                name=f"Empresa {code_prefix}{index + 1:06d}, S.A.",
                username=f"{code_prefix.lower().rstrip('-')}cliente{body}" if passwords else "",
                password=f"Clave-{rng.getrandbits(48):012x}" if passwords else "",
                address=f"{rng.randint(1, 30)}a. Calle {rng.randint(1, 40)}-{rng.randint(1, 99)}, "
                f"Zona {rng.randint(1, 21)}",
                email=f"facturas{body}@cliente{index % 997}.com.gt",
                instances=tuple(customer_instances),
            )
        )
    return tuple(result)


def build_catalog(
    customers: int,
    *,
    instances: tuple[int, int] = (1, 3),
    resources: int = 12,
    categories: int = 4,
    configurations: int = 16,
    seed: int = DEFAULT_SEED,
    passwords: bool = False,
    period: tuple[date, date] = (PERIOD_START, PERIOD_END),
) -> Catalog:
    if customers < 1 or resources < 2 or categories < 1 or configurations < 1:
        raise ValueError("need >= 1 customer, >= 2 resources, >= 1 category and >= 1 configuration")
    if not 1 <= instances[0] <= instances[1]:
        raise ValueError(f"instances per customer must be 1 <= min <= max, not {instances}")
    if period[0] > period[1]:
        raise ValueError(f"period {period} is reversed")
    rng = random.Random(seed)
    resource_defs, category_defs, configuration_defs = _definitions(rng, resources, categories, configurations)
    customer_defs = make_customers(
        customers, configuration_defs, rng, instances=instances, passwords=passwords, period=period
    )
    return Catalog(resource_defs, category_defs, configuration_defs, customer_defs, period[0], period[1])


# --- XML -----------------------------------------------------------------------------------------


def _dmy(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def configuration_xml(catalog: Catalog) -> bytes:
    """The ``archivoConfiguraciones`` message; empty lists are written as empty elements."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<archivoConfiguraciones>\n  <listaRecursos>\n']
    for r in catalog.resources:
        out.append(
            f"    <recurso id={quoteattr(r.code)}>\n"
            f"      <nombre>{escape(r.name)}</nombre>\n"
            f"      <abreviatura>{escape(r.abbreviation)}</abreviatura>\n"
            f"      <metrica>{escape(r.metric)}</metrica>\n"
            f"      <tipo>{r.kind}</tipo>\n"
            f"      <valorXhora>{units_text(r.price, 4)}</valorXhora>\n"
            "    </recurso>\n"
        )
    out.append("  </listaRecursos>\n  <listaCategorias>\n")
    for cat in catalog.categories:
        out.append(
            f"    <categoria id={quoteattr(cat.code)}>\n"
            f"      <nombre>{escape(cat.name)}</nombre>\n"
            f"      <descripcion>{escape(cat.description)}</descripcion>\n"
            f"      <cargaTrabajo>{escape(cat.workload)}</cargaTrabajo>\n"
            "      <listaConfiguraciones>\n"
        )
        for conf in (c for c in catalog.configurations if c.category_code == cat.code):
            out.append(
                f"        <configuracion id={quoteattr(conf.code)}>\n"
                f"          <nombre>{escape(conf.name)}</nombre>\n"
                f"          <descripcion>Configuración generada para benchmarks</descripcion>\n"
                "          <recursosConfiguracion>\n"
            )
            out.extend(
                f"            <recurso id={quoteattr(code)}>{units_text(quantity, 2)}</recurso>\n"
                for code, quantity in conf.items
            )
            out.append("          </recursosConfiguracion>\n        </configuracion>\n")
        out.append("      </listaConfiguraciones>\n    </categoria>\n")
    out.append("  </listaCategorias>\n  <listaClientes>\n")
    for cu in catalog.customers:
        out.append(f"    <cliente nit={quoteattr(cu.nit)}>\n      <nombre>{escape(cu.name)}</nombre>\n")
        if cu.username or cu.password:
            out.append(f"      <usuario>{escape(cu.username)}</usuario>\n      <clave>{escape(cu.password)}</clave>\n")
        out.append(
            f"      <direccion>{escape(cu.address)}</direccion>\n"
            f"      <correoElectronico>{escape(cu.email)}</correoElectronico>\n"
            "      <listaInstancias>\n"
        )
        for inst in cu.instances:
            state = "Vigente" if inst.end is None else "Cancelada"
            end = "" if inst.end is None else f"        <fechaFinal>{_dmy(inst.end)}</fechaFinal>\n"
            out.append(
                f"      <instancia id={quoteattr(inst.code)}>\n"
                f"        <idConfiguracion>{escape(inst.configuration_code)}</idConfiguracion>\n"
                f"        <nombre>{escape(inst.name)}</nombre>\n"
                f"        <fechaInicio>{_dmy(inst.start)}</fechaInicio>\n"
                f"        <estado>{state}</estado>\n{end}"
                "      </instancia>\n"
            )
        out.append("      </listaInstancias>\n    </cliente>\n")
    out.append("  </listaClientes>\n</archivoConfiguraciones>\n")
    return "".join(out).encode()


@dataclass(slots=True)
class Tally:
    """Hundredths of an hour written per instance code, across every file generated with it."""

    hundredths: dict[str, int] = field(default_factory=dict)

    def add(self, instance_code: str, hundredths: int) -> None:
        self.hundredths[instance_code] = self.hundredths.get(instance_code, 0) + hundredths


def expected_cents(catalog: Catalog, tally: Tally) -> dict[str, int]:
    """Per customer NIT, what billing must charge in cents, computed without the database:
    per instance (one invoice line) hours × rate rounded half-up to the cent, then summed."""
    rates = {c.code: catalog.hour_rate(c.code) for c in catalog.configurations}
    totals: dict[str, int] = {}
    for customer in catalog.customers:
        cents = 0
        for inst in customer.instances:
            hundredths = tally.hundredths.get(inst.code, 0)
            if hundredths:
                # hours (10^-2) × rate (10^-6) = 10^-8 units; a cent is 10^6 of them; half-up.
                cents += (hundredths * rates[inst.configuration_code] + 500_000) // 1_000_000
        if any(tally.hundredths.get(inst.code) for inst in customer.instances):
            totals[customer.nit] = cents
    return totals


@dataclass(frozen=True, slots=True)
class ConsumptionFile:
    index: int  # 1-based
    name: str
    data: bytes
    good: int
    unknown_instance: int
    future: int
    duplicates: int
    first_day: date
    last_day: date

    @property
    def items(self) -> int:
        return self.good + self.unknown_instance + self.future + self.duplicates


def _hours_text(hundredths: int) -> str:
    return units_text(hundredths, 2)


def _consumo(nit: str, instance_code: str, hours: str, day: str, minute: int) -> str:
    return (
        f'<consumo nitCliente="{nit}" idInstancia="{instance_code}"><tiempo>{hours}</tiempo>'
        f"<fechaHora>{day} {minute // 60:02d}:{minute % 60:02d}</fechaHora></consumo>\n"
    )


def consumption_files(
    catalog: Catalog,
    total: int,
    per_file: int = 100_000,
    *,
    seed: int = DEFAULT_SEED,
    tally: Tally | None = None,
    bad_unknown: float = 0.0,
    bad_future: float = 0.0,
    bad_duplicates: float = 0.0,
    name_prefix: str = "consumos",
) -> Iterator[ConsumptionFile]:
    """``total`` good consumptions in files of at most ``per_file`` good ones, generated lazily
    (one file in memory at a time). Bad items are added on top of the good ones."""
    if total < 1 or per_file < 1:
        raise ValueError("total and per_file must be >= 1")
    if min(bad_unknown, bad_future, bad_duplicates) < 0:
        raise ValueError("bad fractions must not be negative")
    rng = random.Random(seed + 1)
    files = math.ceil(total / per_file)
    days = (catalog.period_end - catalog.period_start).days + 1
    span = days * MINUTES_PER_DAY
    day_text = [_dmy(catalog.period_start + timedelta(days=d)) for d in range(days)]
    # Each instance's validity inside the period, in minutes from the period start: [lo, hi).
    windows: list[tuple[str, str, int, int]] = []
    for customer in catalog.customers:
        for inst in customer.instances:
            lo = max(0, (inst.start - catalog.period_start).days) * MINUTES_PER_DAY
            last = catalog.period_end if inst.end is None else min(inst.end, catalog.period_end)
            hi = ((last - catalog.period_start).days + 1) * MINUTES_PER_DAY
            if hi > lo:
                windows.append((customer.nit, inst.code, lo, hi))
    if not windows:
        raise ValueError("no instance is valid inside the period")
    for index in range(files):
        good = min(per_file, total - index * per_file)
        s, e = index * span // files, (index + 1) * span // files
        eligible = [w for w in windows if w[2] < e and w[3] > s]
        if not eligible:
            raise ValueError(f"file {index + 1}: no instance is valid between minutes {s} and {e} of the period")
        used: set[tuple[str, int]] = set()
        rows: list[tuple[int, str]] = []  # (minute from period start, line)
        for _ in range(good):
            for _attempt in range(_MAX_REDRAWS):
                nit, code, lo, hi = eligible[rng.randrange(len(eligible))]
                minute = rng.randrange(max(lo, s), min(hi, e))
                if (code, minute) not in used:
                    break
            else:
                raise ValueError(f"file {index + 1}: too many consumptions for the period; widen it or use fewer")
            used.add((code, minute))
            hundredths = rng.randint(1, HOURS_MAX_HUNDREDTHS)
            if tally is not None:
                tally.add(code, hundredths)
            day, of_day = divmod(minute, MINUTES_PER_DAY)
            rows.append((minute, _consumo(nit, code, _hours_text(hundredths), day_text[day], of_day)))
        counts = [round(good * f) for f in (bad_unknown, bad_future, bad_duplicates)]
        for n in range(counts[0]):
            nit, _, lo, hi = eligible[rng.randrange(len(eligible))]
            minute = rng.randrange(max(lo, s), min(hi, e))
            day, of_day = divmod(minute, MINUTES_PER_DAY)
            code = f"X-{index + 1:03d}-{n + 1:06d}"
            rows.append((minute, _consumo(nit, code, "1", day_text[day], of_day)))
        for _ in range(counts[1]):
            nit, code, _, _ = eligible[rng.randrange(len(eligible))]
            future = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{FUTURE_YEAR}"
            rows.append((e, _consumo(nit, code, "1", future, rng.randrange(MINUTES_PER_DAY))))
        originals = rows[:good]
        rows.extend(originals[rng.randrange(good)] for _ in range(counts[2]))
        rows.sort(key=lambda row: row[0])  # stable: a duplicate follows its original
        body = "".join(line for _, line in rows)
        data = f'<?xml version="1.0" encoding="UTF-8"?>\n<listadoConsumos>\n{body}</listadoConsumos>\n'.encode()
        first = catalog.period_start + timedelta(days=s // MINUTES_PER_DAY)
        last = catalog.period_start + timedelta(days=(e - 1) // MINUTES_PER_DAY)
        yield ConsumptionFile(
            index + 1, f"{name_prefix}-{index + 1:03d}.xml", data, good, counts[0], counts[1], counts[2], first, last
        )


# --- CLI -----------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="directory for configuracion.xml and consumos-NNN.xml")
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--instances", type=int, nargs=2, default=(1, 3), metavar=("MIN", "MAX"))
    parser.add_argument("--resources", type=int, default=12)
    parser.add_argument("--categories", type=int, default=4)
    parser.add_argument("--configurations", type=int, default=16)
    parser.add_argument("--consumptions", type=int, default=100_000, help="good consumptions in all")
    parser.add_argument("--per-file", type=int, default=100_000, help="good consumptions per file")
    parser.add_argument("--bad-unknown", type=float, default=0.0, help="fraction added with an unknown instance")
    parser.add_argument("--bad-future", type=float, default=0.0, help=f"fraction added dated in {FUTURE_YEAR}")
    parser.add_argument("--bad-duplicates", type=float, default=0.0, help="fraction added as exact copies")
    parser.add_argument("--with-passwords", action="store_true", help="give customers usuario/clave")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    if args.consumptions < 1 or args.per_file < 1:
        parser.error("--consumptions and --per-file must be >= 1")

    started = time.perf_counter()
    try:
        catalog = build_catalog(
            args.customers,
            instances=(args.instances[0], args.instances[1]),
            resources=args.resources,
            categories=args.categories,
            configurations=args.configurations,
            seed=args.seed,
            passwords=args.with_passwords,
        )
    except ValueError as exc:
        parser.error(str(exc))
    args.out.mkdir(parents=True, exist_ok=True)
    config = configuration_xml(catalog)
    (args.out / "configuracion.xml").write_bytes(config)
    print(
        f"configuracion.xml: {len(config) / 1e6:.1f} MB, {len(catalog.resources)} resources, "
        f"{len(catalog.categories)} categories, {len(catalog.configurations)} configurations, "
        f"{len(catalog.customers):,} customers, {catalog.instance_count:,} instances",
        flush=True,
    )
    files = consumption_files(
        catalog,
        args.consumptions,
        args.per_file,
        seed=args.seed,
        bad_unknown=args.bad_unknown,
        bad_future=args.bad_future,
        bad_duplicates=args.bad_duplicates,
    )
    for f in files:
        (args.out / f.name).write_bytes(f.data)
        print(
            f"{f.name}: {len(f.data) / 1e6:.1f} MB, {f.good:,} good + {f.unknown_instance:,} unknown instance "
            f"+ {f.future:,} future + {f.duplicates:,} duplicates, {f.first_day:%d/%m/%Y}–{f.last_day:%d/%m/%Y}",
            flush=True,
        )
    print(f"done in {time.perf_counter() - started:.1f} s into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
