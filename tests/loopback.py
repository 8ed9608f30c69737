"""A small web app of a test's own, served over loopback from a thread while the test runs."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiohttp import web


@contextmanager
def serving(app: web.Application) -> Iterator[str]:
    """Serve `app` on a free loopback port from a thread of its own; yields its base URL."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.run_until_complete(runner.cleanup())
        loop.close()


def _toml(value) -> str:
    """A value as TOML writes it: strings quoted (JSON's escapes are TOML's), lists and tables inline."""
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_toml(item)}" for key, item in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def one_source(path: Path, source: dict, *, retries: int = 1, profile_dirs: list[str] | None = None) -> Path:
    """Write a sources file of one portal served over loopback (`source`: its keys as a sources file
    names them, `sections` a list of tables), fetched at once and given up on quickly; returns `path`."""
    settings = {"user_agent": "portalwatch-test/0.1"}
    if profile_dirs:
        settings["profile_dirs"] = profile_dirs
    politeness = {"concurrency": 2, "delay_seconds": 0.0, "timeout_seconds": 5.0, "retries": retries}
    lines = ["[settings]", *(f"{key} = {_toml(value)}" for key, value in settings.items())]
    lines += [f"politeness = {_toml(politeness)}", "", "[[sources]]"]
    lines += [f"{key} = {_toml(value)}" for key, value in source.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
