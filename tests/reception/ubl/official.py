"""The official EN 16931 UBL rules (compiled Schematron, XSLT 2.0) run with saxonche: the oracle
our native validator is compared with. Compiled once per test process (about a second)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from lxml import etree

from tests.conftest import reference_path

SVRL = "http://purl.oclc.org/dsdl/svrl"


@dataclass(frozen=True)
class OfficialVerdict:
    fatal: frozenset[str]
    warnings: frozenset[str]


@functools.cache
def _executable():  # type: ignore[no-untyped-def]
    from saxonche import PySaxonProcessor

    xslt = reference_path("en16931", "EN16931-UBL-validation.xslt").read_bytes()
    processor = PySaxonProcessor(license=False)
    compiler = processor.new_xslt30_processor()
    # From text, not a path: saxonche trips over paths with spaces.
    return processor, compiler.compile_stylesheet(stylesheet_text=xslt.decode("utf-8"))


def official_verdict(document: bytes) -> OfficialVerdict:
    """The fatal and warning rule ids the official XSLT reports for ``document``."""
    processor, executable = _executable()
    node = processor.parse_xml(xml_text=document.decode("utf-8"))
    svrl = executable.transform_to_string(xdm_node=node)
    tree = etree.fromstring(svrl.encode("utf-8"))
    fatal: set[str] = set()
    warnings: set[str] = set()
    for failed in tree.iter(f"{{{SVRL}}}failed-assert"):
        (fatal if failed.get("flag") == "fatal" else warnings).add(failed.get("id", ""))
    return OfficialVerdict(frozenset(fatal), frozenset(warnings))
