"""The temporary Prefect API server: a home of its own, no analytics, nothing left behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

# Starts the temporary API in a process of its own, prints the server's pid, waits for stdin to close.
OWNER = """
from prefect.server.api.server import SubprocessASGIServer
from portalwatch.flows.api import start_temporary_api
print(start_temporary_api(), SubprocessASGIServer().server_process.pid, flush=True)
import sys; sys.stdin.read()
"""


def test_the_temporary_api_server_has_its_own_home_and_no_analytics_and_leaves_nothing(tmp_path):
    client_home = tmp_path / "client-home"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
    # What the server must not take from the process that starts it.
    env |= {"PREFECT_HOME": str(client_home), "PREFECT_SERVER_ANALYTICS_ENABLED": "true"}
    env["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = "120"
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        url, pid = owner.stdout.readline().split()
        assert url.startswith("http://127.0.0.1:")
        server = psutil.Process(int(pid))
        server_env = server.environ()
        home = Path(server_env["PREFECT_HOME"])
        assert server_env["PREFECT_SERVER_ANALYTICS_ENABLED"].lower() == "false"
        assert home != client_home and home.is_dir()
        assert (home / "prefect.db").exists()  # its SQLite database is in its own home
        assert not (client_home / "prefect.db").exists()
    finally:
        owner.stdin.close()
        owner.wait(timeout=60)
    server.wait(timeout=30)
    deadline = time.monotonic() + 30
    while home.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not home.exists()  # removed by the server's guard once the server ended
