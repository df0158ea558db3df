"""Structural validation of a FEL DTE against the intent of GT_Documento 0.2.1, done natively.

The schema is described in :mod:`.schema`. Every departure (order, occurrences, required and
unexpected elements and attributes, text where only elements go, simple types and fixed values) is
a ``FEL_GEN102`` finding ("El XML enviado no cumple con el esquema del XSD" in SAT's catalog) with
the XPath of the offending node. The schema's traps are handled as documented in :mod:`.schema`.
"""

from __future__ import annotations

from lxml import etree

from facturo.reception.formats.fel.common import XSI_NS, finding, location, parse_decimal
from facturo.reception.formats.fel.schema import DOCUMENT, KNOWN_COMPLEMENTS, Attr, Element
from facturo.reception.formats.reading import Finding, Severity

RULE = "FEL_GEN102"


def _name(tag: str) -> str:
    return tag.rpartition("}")[2]


class _Checker:
    def __init__(self) -> None:
        self.findings: list[Finding] = []

    def add(self, where: str, es: str, en: str) -> None:
        self.findings.append(finding(RULE, where, es, en, Severity.ERROR))

    def element(self, el: etree._Element, spec: Element) -> None:
        self.attributes(el, spec)
        if spec.skip:
            return
        children = [c for c in el if isinstance(c.tag, str)]
        if spec.text is not None:
            if children:
                self.add(
                    location(children[0]),
                    f"{spec.name} no admite elementos hijos.",
                    f"{spec.name} does not allow child elements.",
                )
                return
            value = el.text or ""
            if not spec.text.accepts(value):
                self.add(
                    location(el),
                    f"El valor «{value.strip()}» de {spec.name} no es válido: se espera {spec.text.label_es}.",
                    f"The value '{value.strip()}' of {spec.name} is not valid: expected {spec.text.label_en}.",
                )
            return
        self.no_text(el, spec)
        if spec.any_child:
            self.any_child(el, spec, children)
            return
        self.sequence(el, spec, children)

    def no_text(self, el: etree._Element, spec: Element) -> None:
        texts = [el.text] + [c.tail for c in el]
        if any(text and text.strip() for text in texts):
            self.add(
                location(el),
                f"{spec.name} no admite texto, solo elementos.",
                f"{spec.name} does not allow text, only elements.",
            )

    def any_child(self, el: etree._Element, spec: Element, children: list[etree._Element]) -> None:
        if len(children) != 1:
            self.add(
                location(el),
                f"{spec.name} debe contener exactamente un elemento.",
                f"{spec.name} must hold exactly one element.",
            )
            return
        known = KNOWN_COMPLEMENTS.get(children[0].tag)
        if known is not None:
            self.element(children[0], known)

    def sequence(self, el: etree._Element, spec: Element, children: list[etree._Element]) -> None:
        index, count = 0, 0
        specs = spec.children
        for child in children:
            while index < len(specs):
                current = specs[index]
                if child.tag == current.tag and count < current.max:
                    count += 1
                    self.element(child, current)
                    break
                if count < current.min:
                    self.missing(el, current)
                index, count = index + 1, 0
            else:
                self.add(
                    location(child),
                    f"Elemento inesperado {_name(child.tag)} dentro de {spec.name}.",
                    f"Unexpected element {_name(child.tag)} inside {spec.name}.",
                )
                return
        while index < len(specs):
            if count < specs[index].min:
                self.missing(el, specs[index])
            index, count = index + 1, 0

    def missing(self, parent: etree._Element, spec: Element) -> None:
        self.add(
            location(parent),
            f"Falta el elemento obligatorio {spec.name} dentro de {_name(parent.tag)}.",
            f"The required element {spec.name} is missing inside {_name(parent.tag)}.",
        )

    def attributes(self, el: etree._Element, spec: Element) -> None:
        declared = {a.name: a for a in spec.attrs}
        for name, value in el.attrib.items():
            if name.startswith(f"{{{XSI_NS}}}"):
                continue
            attr = declared.get(name)
            if attr is None:
                if not spec.skip:
                    self.add(
                        location(el, _name(name)),
                        f"Atributo inesperado {_name(name)} en {spec.name}.",
                        f"Unexpected attribute {_name(name)} on {spec.name}.",
                    )
                continue
            self.attribute_value(el, spec, attr, value)
        for attr in spec.attrs:
            if attr.required and attr.name not in el.attrib:
                self.add(
                    location(el),
                    f"Falta el atributo obligatorio {attr.name} en {spec.name}.",
                    f"The required attribute {attr.name} is missing on {spec.name}.",
                )

    def attribute_value(self, el: etree._Element, spec: Element, attr: Attr, value: str) -> None:
        if attr.type is not None and not attr.type.accepts(value):
            self.add(
                location(el, attr.name),
                f"El valor «{value}» de {attr.name} no es válido: se espera {attr.type.label_es}.",
                f"The value '{value}' of {attr.name} is not valid: expected {attr.type.label_en}.",
            )
            return
        if attr.fixed is not None and not _same_fixed(attr, value):
            self.add(
                location(el, attr.name),
                f"{attr.name} debe valer «{attr.fixed}».",
                f"{attr.name} must be '{attr.fixed}'.",
            )


def _same_fixed(attr: Attr, value: str) -> bool:
    if attr.type is None:
        return value == attr.fixed
    # A typed fixed value is compared in the value space (Version="0.10" is 0.1).
    return parse_decimal(value) == parse_decimal(attr.fixed)


def check_structure(root: etree._Element) -> list[Finding]:
    """Every structural departure from GT_Documento 0.2.1 (traps handled), as findings."""
    checker = _Checker()
    if root.tag != DOCUMENT.tag:
        checker.add(
            location(root),
            f"El elemento raíz debe ser dte:GTDocumento, no {_name(str(root.tag))}.",
            f"The root element must be dte:GTDocumento, not {_name(str(root.tag))}.",
        )
        return checker.findings
    checker.element(root, DOCUMENT)
    return checker.findings
