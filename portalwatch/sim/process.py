"""Run the simulator in a child process (for the demo, tests and benchmarks)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx

from portalwatch.sim.server import render_sources_toml


class SimulatorProcess:
    """`portalwatch sim` in a child process; a context manager that waits until it listens.

    The simulator stops when the context ends, and on its own when this process ends
    without ending the context (killed, or an interpreter that exits from a thread)."""

    def __init__(
        self,
        config_path: Path,
        seed: int = 1,
        scale: float = 1.0,
        startup_timeout: float = 120.0,
        faults: str = "none",
        portal_sizes: dict[str, int] | None = None,
        validators: bool = False,
        portals: int | None = None,
        latency_ms: float = 0.0,
        latency_jitter_ms: float = 0.0,
        families: str = "default",
        archive: bool = False,
        archive_steps: int = 0,
        archive_throttle: bool = False,
        closed: tuple[str, ...] = (),
    ):
        self.config_path = Path(config_path)
        self.seed = seed
        self.scale = scale
        self.options = ["--latency-ms", str(latency_ms), "--latency-jitter-ms", str(latency_jitter_ms)]
        self.options += ["--families", families]
        if portals is not None:
            self.options += ["--portals", str(portals)]
        if archive:
            self.options += ["--archive", "--archive-steps", str(archive_steps)]
            self.options += ["--archive-throttle"] if archive_throttle else []
        for portal_id in closed:
            self.options += ["--closed", portal_id]
        self.archive_url: str | None = None
        self.closed = frozenset(closed)
        self.startup_timeout = startup_timeout
        self.faults = faults
        self.portal_sizes = portal_sizes or {}
        self.validators = validators
        self.process: subprocess.Popen | None = None
        self.base_urls: dict[str, str] = {}

    def __enter__(self) -> SimulatorProcess:
        self.config_path.unlink(missing_ok=True)
        command = [
            sys.executable,
            "-m",
            "portalwatch",
            "sim",
            "--port",
            "0",
            "--seed",
            str(self.seed),
            "--scale",
            str(self.scale),
            "--write-config",
            str(self.config_path),
            "--faults",
            self.faults,
            "--exit-with",
            str(os.getpid()),
            *self.options,
        ]
        for portal_id, size in self.portal_sizes.items():
            command += ["--portal-size", f"{portal_id}={size}"]
        if self.validators:
            command.append("--validators")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + self.startup_timeout
        while not self.config_path.exists():
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"simulator exited with {self.process.returncode}: {self.process.stderr.read().decode()}"
                )
            if time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"simulator did not start within {self.startup_timeout:.0f} s")
            time.sleep(0.05)
        config = tomllib.loads(self.config_path.read_text(encoding="utf-8"))
        self.base_urls = {source["id"]: source["base_url"] for source in config["sources"]}
        if "sim" in config.get("archives", {}):
            self.archive_url = config["archives"]["sim"]["replay_url"].removesuffix("/web")
        return self

    def __exit__(self, *exc_info) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    @property
    def control_url(self) -> str:
        """A portal that answers (a closed one does not), for the control endpoints."""
        return next(url for portal_id, url in self.base_urls.items() if portal_id not in self.closed)

    def advance(self, steps: int = 1) -> dict:
        response = httpx.post(f"{self.control_url}/_sim/advance", params={"steps": steps}, timeout=60)
        response.raise_for_status()
        return response.json()

    def truth(self) -> list[dict]:
        return self._get("truth")

    def documents(self) -> list[dict]:
        return self._get("documents")

    def requests(self, portal: str | None = None, since: int = 0) -> list[dict]:
        """The request log: every request to a portal with host, path, start, end, status and fault."""
        params = {"since": since} | ({"portal": portal} if portal else {})
        return self._get("requests", params)

    def permanent_faults(self) -> dict[str, list[str]]:
        """Article URL -> its permanent faults under the running profile."""
        return self._get("faults")["articles"]

    def write_sources(
        self,
        path: Path,
        politeness: dict | None = None,
        revisit: dict | None = None,
        portals: list[str] | None = None,
        split: list[str] | None = None,
    ) -> Path:
        """A sources config for these portals with the given politeness and revisit settings; a
        portal in `split` is two sources on its one host (`<id>` its news, `<id>-van-ban` its documents)."""
        entries = [p for p in self._get("portals") if portals is None or p["id"] in portals]
        text = render_sources_toml(entries, politeness, revisit, split or ())
        Path(path).write_text(text, encoding="utf-8")
        return Path(path)

    def _get(self, endpoint: str, params: dict | None = None):
        response = httpx.get(f"{self.control_url}/_sim/{endpoint}", params=params, timeout=60)
        response.raise_for_status()
        return response.json()
