"""The temporary Prefect API that flows run on when PREFECT_API_URL is unset.

Prefect starts that server (a uvicorn process) itself, the first time a flow
needs an API, and stops it when the interpreter exits normally. A process
killed with SIGKILL stops nothing, so :func:`start_temporary_api` starts the
same server up front and puts a guard on it (:mod:`portalwatch.lifeline`)
that stops it when this process ends, however it ends. Flows run afterwards
use that server: Prefect keeps one temporary server per process.

The server it starts has a Prefect home of its own, a temporary folder that
holds its SQLite database and goes when the server does, and sends no
analytics. Two processes' temporary servers never share a database file
(SQLite answers one of them "database is locked"), whatever PREFECT_HOME the
processes themselves have.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_HOME,
    PREFECT_SERVER_ANALYTICS_ENABLED,
    temporary_settings,
)

from portalwatch import lifeline

_guards: dict[int, subprocess.Popen] = {}  # server pid -> its guard, kept so that each is reaped


def start_temporary_api() -> str | None:
    """Start Prefect's temporary API server, guarded, unless an API is configured; its URL, or None."""
    if os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value():
        return None
    # Only here: Prefect's server (its FastAPI app, database models and migrations) is about
    # 80 MiB resident in a process that imports it, and one that runs flows on a configured
    # API never does.
    from prefect.server.api.server import SubprocessASGIServer  # noqa: PLC0415

    server = SubprocessASGIServer()
    home = None
    if not server.running:
        home = tempfile.mkdtemp(prefix="portalwatch-prefect-server-")
        try:
            # The server's environment is this process's plus the current settings.
            with temporary_settings(updates={PREFECT_HOME: home, PREFECT_SERVER_ANALYTICS_ENABLED: False}):
                server.start()
        except BaseException:
            server.stop()  # one that did not answer in time is still starting
            shutil.rmtree(home, ignore_errors=True)
            raise
    pid = server.server_process.pid
    if pid not in _guards:
        _guards[pid] = lifeline.guard(pid, remove=home)
    return server.api_url
