"""The PDF files of the simulated documents: fpdf2, in Be Vietnam Pro (a Vietnamese font from PyPI).

Imported where PDFs are rendered (the simulator's PDF worker, a test that reads one), not by
the simulator's serving process: the PDF library takes seconds to import on a busy machine."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache

import fontpkg
from fpdf import FPDF

from portalwatch.sim.documents import Document


@lru_cache(maxsize=512)
def _pdf_cached(lines: tuple[str, ...], issued: date) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(issued.year, issued.month, issued.day, tzinfo=UTC))
    pdf.set_producer("portalwatch simulator")
    pdf.add_font("BeVietnamPro", "", str(fontpkg.path("Be Vietnam Pro")))
    pdf.add_page()
    pdf.set_font("BeVietnamPro", "", 11)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def document_pdf(document: Document) -> bytes:
    """The document's PDF: the same bytes for the same document, every time."""
    return _pdf_cached(tuple(document.lines()), document.issued)
