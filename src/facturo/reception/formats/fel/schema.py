"""GT_Documento 0.2.1 as data: a tree of :class:`Element` specs (order, occurrences, attributes,
simple types), read by :mod:`.structure`.

Where the official schema and real certified documents disagree, the documents win: the NIT
patterns' ``^``/``$`` are anchors (see :mod:`.types`), ``dte:Adenda`` is allowed inside ``dte:SAT``
after ``dte:DTE`` with free content, and ``ds:Signature`` is only counted here (its structure is
checked by :mod:`.signatures`).
"""

from __future__ import annotations

from dataclasses import dataclass

from facturo.reception.formats.fel import types as t
from facturo.reception.formats.fel.common import DS_NS, DTE_NS, REFERENCIA_NOTA_NS


@dataclass(frozen=True)
class Attr:
    name: str
    type: t.SimpleType | None = None
    required: bool = False
    fixed: str | None = None


@dataclass(frozen=True)
class Element:
    name: str
    min: int = 1
    max: int = 1
    children: tuple[Element, ...] = ()
    attrs: tuple[Attr, ...] = ()
    # Simple content: the element's text must be of this type.
    text: t.SimpleType | None = None
    ns: str = DTE_NS
    # Content not checked here (ds:Signature, dte:Adenda).
    skip: bool = False
    # xs:any: exactly one child element of any namespace (a complement).
    any_child: bool = False

    @property
    def tag(self) -> str:
        return f"{{{self.ns}}}{self.name}"


def _s(
    lo: int = 0,
    hi: int | None = None,
    *,
    pattern: str | None = None,
    enum: frozenset[str] | set[str] | None = None,
    collapse_ws: bool = True,
) -> t.SimpleType:
    return t.string(lo, hi, pattern=pattern, enum=enum, collapse_ws=collapse_ws)


N = t.NUMBER_N_DECIMALS
_SI = _s(enum={"SI"}, collapse_ws=False)

_ADDRESS = (
    Element("Direccion", text=_s(1, 200)),
    Element("CodigoPostal", text=t.integer()),
    Element("Municipio", text=_s(0, 100)),
    Element("Departamento", text=_s(0, 100)),
    Element("Pais", text=t.COUNTRY),
)
_RECEIVER_ADDRESS = (
    _ADDRESS[0],
    Element("CodigoPostal", 0, text=t.integer()),
    Element("Municipio", 0, text=_s(0, 100)),
    Element("Departamento", 0, text=_s(0, 100)),
    Element("Pais", 0, text=t.COUNTRY),
)

_IDP = Element(
    "Idp",
    0,
    children=(
        Element("Terminal", text=_s(collapse_ws=False), attrs=(Attr("codigo", _s(collapse_ws=False), True),)),
        Element(
            "Transportista",
            text=_s(1, 100),
            attrs=(Attr("Id", _s(collapse_ws=False)), Attr("TipoDocumento", _s(collapse_ws=False))),
        ),
    ),
    attrs=(
        Attr("Litoral", _s(enum={"Norte", "Sur", "Central"}, collapse_ws=False), True),
        Attr("Placa", _s(0, 10), True),
        Attr("Numerodeviaje", _s(1, 50, collapse_ws=False), True),
        Attr("Direcciondeentrega", _s(1, 500, collapse_ws=False), True),
        Attr(
            "Origendespacho",
            _s(
                enum={
                    "Importaciones",
                    "Compras locales",
                    "Transferencias de entrada",
                    "Degradaciones",
                    "Resolución por variaciones positivas",
                },
                collapse_ws=False,
            ),
            True,
        ),
        Attr(
            "Destinodespacho",
            _s(
                enum={
                    "Venta local",
                    "Exportaciones",
                    "Transferencias de salida",
                    "Degradaciones",
                    "Reexportaciones",
                    "Variaciones negativas",
                    "Nacionalización",
                },
                collapse_ws=False,
            ),
            True,
        ),
    ),
)

_GENERAL = Element(
    "DatosGenerales",
    children=(_IDP,),
    attrs=(
        Attr("Tipo", _s(enum=t.DOCUMENT_TYPES), True),
        Attr("EmisionUbicacionTemporal", _SI),
        Attr("Exp", _SI),
        Attr("Espectaculo", _SI),
        Attr("FechaHoraEmision", t.date_time(), True),
        Attr("CodigoMoneda", _s(3, 3, enum=t.CURRENCIES, collapse_ws=False), True),
        Attr("NumeroAcceso", t.integer(100000000, 999999999)),
        Attr("TipoPersoneria", t.integer(0)),
        Attr("Servicio", _s(enum={"Residencial"}, collapse_ws=False)),
        Attr("Dispositivo", _s(enum={"APP", "AV", "APPVOZ"}, collapse_ws=False)),
    ),
)

_ISSUER = Element(
    "Emisor",
    children=(Element("DireccionEmisor", children=_ADDRESS),),
    attrs=(
        Attr("NITEmisor", t.NIT_EMISOR, True),
        Attr("NombreEmisor", _s(1, 400), True),
        Attr("CodigoEstablecimiento", t.integer(1, 9999), True),
        Attr("NombreComercial", _s(1, 255), True),
        Attr("CorreoEmisor", t.EMAIL),
        Attr("AfiliacionIVA", _s(enum=t.IVA_AFFILIATIONS, collapse_ws=False), True),
        Attr("AfiliacionOmiso", _s(enum={"GEN", "PEQ"}, collapse_ws=False)),
        Attr("ClasificacionEmisor", t.integer(enum={1674})),
    ),
)

_RECEIVER = Element(
    "Receptor",
    children=(Element("DireccionReceptor", 0, children=_RECEIVER_ADDRESS),),
    attrs=(
        Attr("IDReceptor", t.NIT_RECEPTOR, True),
        Attr("TipoEspecial", _s(enum={"CUI", "EXT"})),
        Attr("NombreReceptor", _s(1, 400), True),
        Attr("CorreoReceptor", t.EMAIL),
        Attr("DestinodelaVenta", _s(enum=t.SALE_DESTINATIONS)),
    ),
)

_PHRASES = Element(
    "Frases",
    0,
    children=(
        Element(
            "Frase",
            1,
            100,
            attrs=(
                Attr("TipoFrase", t.integer(1, 12), True),
                Attr("CodigoEscenario", t.integer(1, 99), True),
                Attr("NumeroResolucion", _s(4, 50)),
                Attr("FechaResolucion", t.xs_date(pattern=r"((\d{4})-(\d{2})-(\d{2}))")),
            ),
        ),
    ),
)

_TAX = Element(
    "Impuesto",
    1,
    2,
    children=(
        Element("NombreCorto", text=_s(enum=t.TAX_NAMES)),
        Element("CodigoUnidadGravable", text=t.integer(1, total_digits=7)),
        Element("MontoGravable", 0, text=N),
        Element("CantidadUnidadesGravables", 0, text=N),
        Element("MontoImpuesto", text=N),
    ),
)

_ITEM_COMPLEMENTS = Element(
    "ComplementosItem",
    0,
    children=(
        Element(
            "ComplementoItem",
            1,
            10**9,
            any_child=True,
            attrs=(
                Attr("IDComplementoItem"),
                Attr("NombreComplementoItem", required=True),
                Attr("URIComplementoItem", required=True),
            ),
        ),
    ),
)

_ITEM = Element(
    "Item",
    1,
    9999,
    children=(
        Element("CodigoProducto", 0, text=_s(enum={"GALDIESEL", "GALSUPER", "GALREGULAR"})),
        Element("Cantidad", text=N),
        Element("UnidadMedida", 0, text=_s(1, 3)),
        Element("Descripcion", text=_s(1, 10000)),
        Element("PrecioUnitario", text=N),
        Element("Observaciones", 0, text=_s(0, 50, collapse_ws=False)),
        Element("Precio", text=N),
        Element("Descuento", 0, text=N),
        Element("OtrosDescuento", 0, text=N),
        Element("Impuestos", 0, children=(_TAX,)),
        Element("Afecto", 0, text=_s(enum={"Si", "No"}, collapse_ws=False)),
        Element("Idp", 0, text=N),
        Element("Total", text=N),
        _ITEM_COMPLEMENTS,
    ),
    attrs=(
        Attr("NumeroLinea", t.integer(1, 9999), True),
        Attr("BienOServicio", _s(1, 1, enum={"B", "S"}), True),
    ),
)

_TOTALS = Element(
    "Totales",
    children=(
        Element(
            "TotalImpuestos",
            0,
            children=(
                Element(
                    "TotalImpuesto",
                    1,
                    20,
                    attrs=(Attr("NombreCorto", _s(enum=t.TAX_NAMES), True), Attr("TotalMontoImpuesto", N, True)),
                ),
            ),
        ),
        Element("GranTotal", text=N),
    ),
)

_COMPLEMENTS = Element(
    "Complementos",
    0,
    children=(
        Element(
            "Complemento",
            1,
            10**9,
            any_child=True,
            attrs=(
                Attr("IDComplemento"),
                Attr("NombreComplemento", required=True),
                Attr("URIComplemento", required=True),
            ),
        ),
    ),
)

_CERTIFICATION = Element(
    "Certificacion",
    0,
    children=(
        Element("NITCertificador", text=t.NIT_CERTIFICADOR),
        Element("NombreCertificador", text=_s(1, 400)),
        Element(
            "NumeroAutorizacion",
            text=t.UUID,
            attrs=(
                Attr("Serie", _s(1, 20), True),
                Attr("Numero", t.integer(1, 999999999999999, total_digits=15), True),
            ),
        ),
        Element(
            "FechaHoraCertificacion",
            text=t.date_time(pattern=r"((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(.(\d{3}))?(-06:00)?)"),
        ),
    ),
)

DOCUMENT = Element(
    "GTDocumento",
    attrs=(Attr("Version", t.decimal(), True, fixed="0.1"),),
    children=(
        Element(
            "SAT",
            attrs=(Attr("ClaseDocumento", _s(enum={"dte"}), True),),
            children=(
                Element(
                    "DTE",
                    attrs=(Attr("ID", required=True, fixed="DatosCertificados"),),
                    children=(
                        Element(
                            "DatosEmision",
                            attrs=(Attr("ID", required=True, fixed="DatosEmision"),),
                            children=(
                                _GENERAL,
                                _ISSUER,
                                _RECEIVER,
                                _PHRASES,
                                Element("Items", children=(_ITEM,)),
                                _TOTALS,
                                _COMPLEMENTS,
                            ),
                        ),
                        _CERTIFICATION,
                    ),
                ),
                # The trap: undeclared in 0.2.1, yet certified documents carry it here.
                Element("Adenda", 0, skip=True),
            ),
        ),
        Element("Signature", 0, 2, ns=DS_NS, skip=True),
    ),
)

# The ReferenciasNota complement (GT_Complemento_Referencia_Nota-0.1.0), the one complement
# whose content a reader needs: the original document of a credit or debit note.
REFERENCIAS_NOTA = Element(
    "ReferenciasNota",
    ns=REFERENCIA_NOTA_NS,
    attrs=(
        Attr("Version", t.decimal(), True),
        Attr("RegimenAntiguo", _s(enum={"Antiguo"}, collapse_ws=False)),
        Attr(
            "NumeroAutorizacionDocumentoOrigen",
            _s(
                pattern=r"[0-9A-F]{8}-([0-9A-F]{4}-){3}[0-9A-F]{12}"
                r"|([1-2]{1}[0-9]{3}-[1-9]{1}[0-9]{0,2}-[1-9]{1}[0-9]{0,6}-[1-9]{1}[0-9]{0,6})"
                r"|([0-9]{4}-[0-9]{1}-[0-9]{1,6}-[0-9]{1,6})"
            ),
            True,
        ),
        Attr("FechaEmisionDocumentoOrigen", t.xs_date(), True),
        Attr("MotivoAjuste", _s(1, 200)),
        Attr("SerieDocumentoOrigen", _s(1, 20), True),
        Attr("NumeroDocumentoOrigen", required=True),
    ),
)
KNOWN_COMPLEMENTS = {REFERENCIAS_NOTA.tag: REFERENCIAS_NOTA}
