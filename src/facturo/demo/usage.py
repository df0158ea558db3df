"""Demo usage data: a small cloud catalog and three months of consumption for some demo customers.

The data is written as IPC2 messages and loaded through the real importer, so the demo shows exactly
what a provider's files would produce. Nothing is billed: the billing-run pages have work to preview.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy.orm import Session

from facturo.kit.actor import Actor
from facturo.usage import service as usage

RESOURCES = [
    # id, name, abbreviation, metric, kind, price per hour
    ("R-CPU", "Núcleo de procesamiento virtual", "vCPU", "núcleo", "Hardware", "0.3500"),
    ("R-RAM", "Memoria RAM", "RAM", "GB", "Hardware", "0.0450"),
    ("R-SSD", "Almacenamiento SSD", "SSD", "GB", "Hardware", "0.0015"),
    ("R-GPU", "Tarjeta gráfica NVIDIA T4", "GPU", "unidad", "Hardware", "4.2000"),
    ("R-LIN", "Licencia Linux empresarial", "SO", "licencia", "Software", "0.0800"),
    ("R-SQL", "Motor de base de datos SQL", "SQLDB", "instancia", "Software", "1.1000"),
]
CATEGORIES = [
    ("CAT-WEB", "Aplicaciones web", "Sitios y APIs de uso general", "Media", [
        ("CFG-WEB-S", "Web pequeña", {"R-CPU": "2", "R-RAM": "4", "R-SSD": "50", "R-LIN": "1"}),
        ("CFG-WEB-M", "Web mediana", {"R-CPU": "4", "R-RAM": "16", "R-SSD": "200", "R-LIN": "1"}),
    ]),
    ("CAT-DATA", "Bases de datos", "Servidores de datos administrados", "Alta", [
        ("CFG-SQL", "Servidor SQL", {"R-CPU": "8", "R-RAM": "32", "R-SSD": "500", "R-SQL": "1"}),
    ]),
    ("CAT-GPU", "Cómputo gráfico", "Renderizado y aprendizaje automático", "Alta", [
        ("CFG-GPU", "Estación GPU", {"R-CPU": "8", "R-RAM": "64", "R-SSD": "500", "R-GPU": "1"}),
    ]),
]  # fmt: skip
# customer index in the demo list -> instances (id, configuration, name, days before today it started)
INSTANCES = {
    0: [("VM-100", "CFG-WEB-S", "Tienda en línea El Martillo", 200)],
    2: [("VM-200", "CFG-SQL", "Inventario de obra", 150), ("VM-201", "CFG-GPU", "Planos 3D", 120)],
    4: [("VM-300", "CFG-WEB-M", "Reservaciones Santo Domingo", 180)],
    7: [("VM-400", "CFG-WEB-S", "Citas en línea", 90)],
}


def _configuration_message(customers: list[tuple[str, str, str, str]]) -> str:
    resources = "".join(
        f"<recurso id={quoteattr(code)}><nombre>{escape(name)}</nombre><abreviatura>{abbr}</abreviatura>"
        f"<metrica>{escape(metric)}</metrica><tipo>{kind}</tipo><valorXhora>{price}</valorXhora></recurso>"
        for code, name, abbr, metric, kind, price in RESOURCES
    )
    categories = "".join(
        f"<categoria id={quoteattr(code)}><nombre>{escape(name)}</nombre><descripcion>{escape(desc)}</descripcion>"
        f"<cargaTrabajo>{load}</cargaTrabajo><listaConfiguraciones>"
        + "".join(
            f"<configuracion id={quoteattr(cfg)}><nombre>{escape(cfg_name)}</nombre><descripcion>{escape(cfg_name)}"
            "</descripcion><recursosConfiguracion>"
            + "".join(f"<recurso id={quoteattr(r)}>{q}</recurso>" for r, q in items.items())
            + "</recursosConfiguracion></configuracion>"
            for cfg, cfg_name, items in configurations
        )
        + "</listaConfiguraciones></categoria>"
        for code, name, desc, load, configurations in CATEGORIES
    )
    clients = "".join(
        f"<cliente nit={quoteattr(nit)}><nombre>{escape(name)}</nombre><direccion>{escape(address)}</direccion>"
        f"<correoElectronico>{escape(email)}</correoElectronico><listaInstancias>"
        + "".join(
            f"<instancia id={quoteattr(code)}><idConfiguracion>{cfg}</idConfiguracion><nombre>{escape(label)}</nombre>"
            f"<fechaInicio>{{start_{code}}}</fechaInicio><estado>Vigente</estado><fechaFinal></fechaFinal></instancia>"
            for code, cfg, label, _ in INSTANCES[index]
        )
        + "</listaInstancias></cliente>"
        for index, (nit, name, address, email) in enumerate(customers)
        if index in INSTANCES
    )
    return (
        f"<archivoConfiguraciones><listaRecursos>{resources}</listaRecursos>"
        f"<listaCategorias>{categories}</listaCategorias><listaClientes>{clients}</listaClientes>"
        "</archivoConfiguraciones>"
    )


def load_usage_demo(session: Session, actor: Actor, today: date, customers: list[tuple[str, str, str, str]]) -> int:
    """Load the catalog and about three months of consumption; returns the consumptions recorded.
    ``customers`` are the demo customers' (nit, name, address, email), in the demo's order, so the
    message describes them exactly as they are and leaves them unchanged."""
    starts = {
        f"start_{code}": (today - timedelta(days=days)).strftime("%d/%m/%Y")
        for items in INSTANCES.values()
        for code, _, _, days in items
    }
    usage.import_message(session, actor, _configuration_message(customers).format(**starts), filename="demo.xml")
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    readings = []
    for index, items in INSTANCES.items():
        nit = customers[index][0]
        for code, _, _, _ in items:
            for back in range(1, 91, 3):
                day = today - timedelta(days=back)
                hours = f"{rng.randint(2, 20)}.{rng.choice(['0', '25', '5', '75'])}"
                readings.append(
                    f"<consumo nitCliente={quoteattr(nit)} idInstancia={quoteattr(code)}>"
                    f"<tiempo>{hours}</tiempo><fechaHora>{day:%d/%m/%Y} 08:00</fechaHora></consumo>"
                )
    report = usage.import_message(
        session, actor, f"<listadoConsumos>{''.join(readings)}</listadoConsumos>", filename="demo-consumos.xml"
    )
    return report.counts["consumption"]["created"]
