"""The temporary Prefect API that flows run on when PREFECT_API_URL is unset.

Prefect starts that server (a uvicorn process) itself, the first time a flow
needs an API, and stops it when the interpreter exits normally. A process
killed with SIGKILL stops nothing, so :func:`start_temporary_api` starts the
same server up front and puts a guard on it (:mod:`portalwatch.lifeline`)
that stops it when this process ends, however it ends. Flows run afterwards
use that server: Prefect keeps one temporary server per process.
"""

from __future__ import annotations

import os
import subprocess

from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import PREFECT_API_URL

from portalwatch import lifeline

_guards: dict[int, subprocess.Popen] = {}  # server pid -> its guard, kept so that each is reaped


def start_temporary_api() -> str | None:
    """Start Prefect's temporary API server, guarded, unless an API is configured; its URL, or None."""
    if os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value():
        return None
    server = SubprocessASGIServer()
    server.start()  # nothing to do when it runs already
    pid = server.server_process.pid
    if pid not in _guards:
        _guards[pid] = lifeline.guard(pid)
    return server.api_url
