"""The PDF files of the simulated documents: fpdf2, in Be Vietnam Pro (a Vietnamese font from PyPI).

A document's file is either typeset (its text is in the PDF) or scanned: the signed paper
put through a scanner, each page one grey picture of the text and nothing else, as portals
often attach their stamped documents. Pillow draws the pictures in the same font.

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
from PIL import Image, ImageDraw, ImageFont

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


# A scanned page: A4 at 100 dots an inch, grey, the text in a 12-point face inside 2 cm margins.
SCAN_SIZE = (827, 1169)
SCAN_MARGIN = 79
SCAN_FONT_PX = 17
SCAN_LINE_PX = 25


def _scan_lines(lines: tuple[str, ...], font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """The lines as the page shows them: each wrapped at word ends to `width` pixels."""
    shown = []
    for line in lines:
        words, current = line.split(), ""
        for word in words:
            candidate = f"{current} {word}".strip()
            if current and font.getlength(candidate) > width:
                shown.append(current)
                current = word
            else:
                current = candidate
        shown.append(current)
    return shown


@lru_cache(maxsize=128)
def _scanned_cached(lines: tuple[str, ...], issued: date) -> bytes:
    font = ImageFont.truetype(fontpkg.path("Be Vietnam Pro"), SCAN_FONT_PX)
    shown = _scan_lines(lines, font, SCAN_SIZE[0] - 2 * SCAN_MARGIN)
    per_page = (SCAN_SIZE[1] - 2 * SCAN_MARGIN) // SCAN_LINE_PX
    pdf = FPDF(format="A4")
    pdf.set_creation_date(datetime(issued.year, issued.month, issued.day, tzinfo=UTC))
    pdf.set_producer("portalwatch simulator scanner")
    for start in range(0, max(len(shown), 1), per_page):
        scan = Image.new("L", SCAN_SIZE, 243)  # the paper's grey, as a scanner sees it
        draw = ImageDraw.Draw(scan)
        for row, line in enumerate(shown[start : start + per_page]):
            draw.text((SCAN_MARGIN, SCAN_MARGIN + row * SCAN_LINE_PX), line, fill=24, font=font)
        pdf.add_page()
        pdf.image(scan, x=0, y=0, w=pdf.w, h=pdf.h)
    return bytes(pdf.output())


def scanned_pdf(document: Document) -> bytes:
    """The document's PDF as a scan: page pictures and no text; the same bytes every time."""
    return _scanned_cached(tuple(document.lines()), document.issued)
