"""Run the simulator in a child process (for the demo, tests and benchmarks)."""

from __future__ import annotations

import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx


class SimulatorProcess:
    """`portalwatch sim` in a child process; a context manager that waits until it listens."""

    def __init__(
        self, config_path: Path, seed: int = 1, scale: float = 1.0, startup_timeout: float = 120.0,
        portals: int = 5, latency_ms: float = 0.0,
    ):  # fmt: skip
        self.config_path = Path(config_path)
        self.seed = seed
        self.scale = scale
        self.options = ["--portals", str(portals), "--latency-ms", str(latency_ms)]
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self.base_urls: dict[str, str] = {}

    def __enter__(self) -> "SimulatorProcess":
        self.config_path.unlink(missing_ok=True)
        command = [sys.executable, "-m", "portalwatch", "sim", "--port", "0", "--seed", str(self.seed),
                   "--scale", str(self.scale), "--write-config", str(self.config_path), *self.options]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + self.startup_timeout
        while not self.config_path.exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"simulator exited with {self.process.returncode}: {self.process.stderr.read().decode()}")
            if time.monotonic() > deadline:
                self.__exit__(None, None, None)
                raise RuntimeError(f"simulator did not start within {self.startup_timeout:.0f} s")
            time.sleep(0.05)
        config = tomllib.loads(self.config_path.read_text(encoding="utf-8"))
        self.base_urls = {source["id"]: source["base_url"] for source in config["sources"]}
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
        return next(iter(self.base_urls.values()))

    def advance(self, steps: int = 1) -> dict:
        response = httpx.post(f"{self.control_url}/_sim/advance", params={"steps": steps}, timeout=60)
        response.raise_for_status()
        return response.json()

    def truth(self) -> list[dict]:
        response = httpx.get(f"{self.control_url}/_sim/truth", timeout=60)
        response.raise_for_status()
        return response.json()
