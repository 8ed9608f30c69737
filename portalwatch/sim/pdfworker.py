"""The simulator's PDF worker: a process of its own that renders the documents' PDFs.

Rendering a PDF takes tens of milliseconds of pure Python, which in the serving process would
stall every portal's answers (and their timing). The worker is spawned, not forked (a forked
child would hold the portals' listening sockets), and ends with the simulator, even one killed
with SIGKILL. Only the worker imports the PDF library (:mod:`portalwatch.sim.pdf`): an
interpreter takes seconds to load it on a busy machine, so the simulator starts the worker
first thing and loads and builds its world while the worker loads the library beside it.
"""

from __future__ import annotations

import atexit
import importlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

from portalwatch.lifeline import exit_with

PDF_MODULE = "portalwatch.sim.pdf"


def start_pdf_worker() -> ProcessPoolExecutor:
    """A PDF worker, already starting: it ends with this process."""
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_begin,
        initargs=(os.getpid(),),
    )
    pool.submit(int)  # the pool starts its worker on the first task, not before
    return pool


def render_pdf(document, scanned: bool = False) -> bytes:
    """The document's PDF, rendered in the worker (its initializer loaded the library):
    typeset, or `scanned` (pictures of its pages, no text)."""
    module = importlib.import_module(PDF_MODULE)
    return module.scanned_pdf(document) if scanned else module.document_pdf(document)


def _begin(owner: int) -> None:
    exit_with(owner)
    importlib.import_module(PDF_MODULE)
    # When the worker exits, its results have gone back through the pool's queue (flushed
    # before the interpreter's exit handlers run) and it holds nothing else: it skips the
    # interpreter's teardown, which takes a second or more once the PDF library and its
    # numpy and fontTools are loaded, and which every stop of the simulator would wait for.
    atexit.register(os._exit, 0)
