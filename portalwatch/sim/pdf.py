"""The PDF files of the simulated documents: fpdf2, in Be Vietnam Pro (a Vietnamese font from PyPI).

Imported where PDFs are rendered (the simulator's PDF worker, a test that reads one), not by
the simulator's serving process: the PDF library takes seconds to import on a busy machine.
The font is read and measured once per process (:func:`_measured_font`); each PDF gets a copy
of it with its own subset and its own handle on the font file's bytes."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import fontpkg
from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

from portalwatch.sim.documents import Document

FAMILY = "BeVietnamPro"


@lru_cache(maxsize=1)
def _measured_font() -> tuple[TTFFont, bytes]:
    """Be Vietnam Pro as fpdf2 reads it (each character's width and glyph), and the font file's bytes."""
    path = Path(fontpkg.path("Be Vietnam Pro"))
    reader = FPDF()
    reader.add_font(FAMILY, "", str(path))
    return reader.fonts[FAMILY.lower()], path.read_bytes()


def _add_font(pdf: FPDF) -> None:
    """The measured font, in `pdf`: what `pdf.add_font` would add, without reading the font again."""
    measured, data = _measured_font()
    font = copy.copy(measured)  # widths, glyph ids and descriptor shared: nothing changes them
    font.i = len(pdf.fonts) + 1
    # Writing the PDF subsets the font's tables in place: each PDF opens the bytes anew (lazily).
    font.ttfont = ttLib.TTFont(BytesIO(data), recalcTimestamp=False, lazy=True)
    font.missing_glyphs, font.biggest_size_pt = [], 0
    font.subset = SubsetMap(font)
    pdf.fonts[font.fontkey] = font


@lru_cache(maxsize=512)
def _pdf_cached(lines: tuple[str, ...], issued: date) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(issued.year, issued.month, issued.day, tzinfo=UTC))
    pdf.set_producer("portalwatch simulator")
    _add_font(pdf)
    pdf.add_page()
    pdf.set_font(FAMILY, "", 11)
    for line in lines:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def document_pdf(document: Document) -> bytes:
    """The document's PDF: the same bytes for the same document, every time."""
    return _pdf_cached(tuple(document.lines()), document.issued)
