"""The official EN 16931 rules, when an operator has them: a second, authoritative opinion.

An operator may point facturo at the CEN's compiled Schematron for UBL on their own disk
(``FACTURO_EN16931_XSLT``). Each UBL document is then also run through it with saxonche (SaxonC-HE,
``pip install saxonche``), and its verdict replaces the native one on the EN 16931 rules: the
official failed asserts become the findings (``flag="fatal"`` rejects, ``warning`` is kept), while
what only facturo checks (the document could not be read, an index limit) stays. facturo ships no
copy of the official file.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import Any

from lxml import etree

from facturo.kit.errors import Msg, NotConfigured
from facturo.reception.formats.reading import Finding, ReadDocument, Severity

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
# The rule families of EN 16931 for UBL: what the official verdict speaks for.
EN16931_PREFIXES = ("BR-", "UBL-")


class OfficialRules:
    """The compiled official XSLT; compiled on first use (about a second), then shared."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # SaxonC objects are not shared between threads: one executable per thread.
        self._local = threading.local()

    def _executable(self) -> tuple[Any, Any]:
        found = getattr(self._local, "compiled", None)
        if found is not None:
            return found  # type: ignore[no-any-return]
        try:
            from saxonche import PySaxonProcessor
        except ImportError:
            raise NotConfigured(
                Msg(
                    "FACTURO_EN16931_XSLT está configurado pero falta saxonche: instálelo con «pip install saxonche».",
                    "FACTURO_EN16931_XSLT is set but saxonche is missing: install it with `pip install saxonche`.",
                )
            ) from None
        if not self.path.is_file():
            raise NotConfigured(
                Msg(
                    f"FACTURO_EN16931_XSLT apunta a {self.path}, que no existe.",
                    f"FACTURO_EN16931_XSLT points at {self.path}, which does not exist.",
                )
            )
        processor = PySaxonProcessor(license=False)
        # From text, not a path: saxonche trips over paths with spaces.
        stylesheet = self.path.read_text(encoding="utf-8")
        executable = processor.new_xslt30_processor().compile_stylesheet(stylesheet_text=stylesheet)
        self._local.compiled = (processor, executable)
        return processor, executable

    def findings(self, data: bytes) -> list[Finding]:
        processor, executable = self._executable()
        node = processor.parse_xml(xml_text=data.decode("utf-8"))
        report = etree.fromstring(executable.transform_to_string(xdm_node=node).encode("utf-8"))
        found = []
        for failed in report.iter(f"{SVRL}failed-assert"):
            text = " ".join("".join(failed.itertext()).split())
            severity = Severity.FATAL if failed.get("flag") == "fatal" else Severity.WARNING
            rule = failed.get("id", "EN16931")
            found.append(
                Finding(
                    rule,
                    severity,
                    failed.get("location", "/"),
                    Msg(f"Regla oficial EN 16931 {rule}: {text}", f"Official EN 16931 rule {rule}: {text}"),
                )
            )
        return found


@functools.cache
def official_rules(path: Path) -> OfficialRules:
    """One compiled stylesheet per file for the whole process."""
    return OfficialRules(path)


def apply_official(read: ReadDocument, data: bytes, rules: OfficialRules) -> ReadDocument:
    """Replace the native EN 16931 findings of ``read`` with the official verdict."""
    kept = [f for f in read.findings if not f.rule.startswith(EN16931_PREFIXES)]
    read.findings = kept + rules.findings(data)
    return read
