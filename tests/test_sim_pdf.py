"""The simulator's document PDFs: the font is read once per process, and each PDF is the one
fpdf2 writes with the font added anew (its own subset of glyphs, nothing of the PDFs before)."""

from __future__ import annotations

import fontpkg
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
        text, _ = pdf_text(data, document.number)
        assert document.lines()[0].split()[0] in text
