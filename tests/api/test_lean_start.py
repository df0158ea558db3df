"""Starting the app does not load what only some requests need: the PDF stack (fpdf2, Pillow,
fonts) loads on the first PDF. Time and memory are measured in bench/, not here."""

from __future__ import annotations

import subprocess
import sys


def test_the_app_starts_without_the_pdf_stack() -> None:
    probe = "import sys, facturo.api.app; print(sorted(m for m in ('fpdf', 'PIL') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"
