"""The simulator's document PDFs: the font is read once per process, and each PDF is the one
fpdf2 writes with the font added anew (its own subset of glyphs, nothing of the PDFs before)."""

from __future__ import annotations

import fontpkg
import numpy as np
from fpdf.fonts import TTFFont

from portalwatch.parse.documents import pdf_text
from portalwatch.sim import pdf
from portalwatch.sim.world import World


def documents(count: int):
    world = World(seed=3, scale=0.03)
    found = [document for portal in world.portals.values() for document in portal.documents]
    assert len(found) >= count
    return found[:count]


def render(document) -> bytes:
    return pdf._pdf_cached.__wrapped__(tuple(document.lines()), document.issued)  # the cache bypassed


def test_each_pdf_is_the_one_written_with_the_font_read_anew_and_the_font_is_read_once(monkeypatch):
    chosen = documents(4)
    render(chosen[0])  # the font read, as the worker's first PDF reads it
    reads = []
    monkeypatch.setattr(TTFFont, "__init__", lambda *args, **kwargs: reads.append(args))
    rendered = [render(document) for document in chosen]
    assert reads == []
    monkeypatch.undo()

    path = str(fontpkg.path("Be Vietnam Pro"))
    monkeypatch.setattr(pdf, "_add_font", lambda document_pdf: document_pdf.add_font(pdf.FAMILY, "", path))
    assert rendered == [render(document) for document in chosen]
    for document, data in zip(chosen, rendered, strict=True):
        read = pdf_text(data, document.number)
        assert document.lines()[0].split()[0] in read.text


def test_a_scanned_pdf_is_pictures_of_the_documents_lines_with_no_text_and_the_same_bytes_each_time():
    import pypdfium2  # noqa: PLC0415

    chosen = documents(3)
    longest = max(chosen, key=lambda document: len(" ".join(document.lines())))
    long_lines = tuple(longest.lines()) * 3  # a document that runs over more than one page
    for lines in (tuple(chosen[0].lines()), long_lines):
        data = pdf._scanned_cached.__wrapped__(lines, chosen[0].issued)
        assert data == pdf._scanned_cached.__wrapped__(lines, chosen[0].issued)
        read = pdf_text(data, "scan.pdf")
        assert read.text.strip() == "" and read.text_pages == 0
        assert read.scanned_pages == read.pages >= (2 if lines is long_lines else 1)
        # Each page shows dark print on light paper.
        document = pypdfium2.PdfDocument(data)
        shown = [
            np.asarray(document[number].render(scale=0.5).to_pil().convert("L"))
            for number in range(len(document))
        ]
        inked = [float((page < 128).mean()) for page in shown]
        assert all(0.0005 < share < 0.3 for share in inked), inked
        assert all(page.min() < 64 and page.max() > 200 for page in shown)
    assert pdf.scanned_pdf(chosen[0]) != pdf.document_pdf(chosen[0])
