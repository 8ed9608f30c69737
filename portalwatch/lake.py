"""A DuckLake warehouse: catalog in PostgreSQL, data as Parquet in a folder or on S3.

Many crawlers on many machines write into one DuckLake; each opens it with
:func:`attach_ducklake` (or :func:`attach_spec` from a warehouse spec such as
``ducklake:postgres:dbname=lake host=db port=5432 user=portalwatch data_path=s3://bucket/lake``).
The ducklake, postgres and httpfs extensions come from their Python wheels
(``duckdb-extension-*``), which ship the signed extension files built for one DuckDB
release: :func:`load_extensions` installs and loads those, so nothing is downloaded.

Data on S3 is reached with the keys and endpoint in the environment, as boto reads them:
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (or
AWS_DEFAULT_REGION) and AWS_ENDPOINT_URL (an S3-compatible server such as MinIO).

For tests and demonstrations, throwaway services: :class:`TemporaryPostgres`,
:class:`TemporaryS3` (moto's server), :class:`TemporaryPrefectServer` (on a PostgreSQL
database) and :class:`TemporaryWorker` (a Prefect process worker). Each is a context manager
that stops what it started however the block ends, and each server runs under a guard
(:mod:`portalwatch.lifeline`) that stops it when the process that started it ends, even by SIGKILL.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.resources
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Self, TypeVar
from urllib.parse import urlsplit

import duckdb
import httpx
import psutil
import tenacity

from portalwatch import lifeline
from portalwatch.errors import PortalwatchError

T = TypeVar("T")
EXTENSIONS = ("ducklake", "postgres", "httpfs")
SPEC_PREFIX = "ducklake:"
# Commits that meet another writer's snapshot are retried by the extension this many times.
MAX_RETRY_COUNT = 100
# Runs of a transaction that conflicted (an UPDATE, DELETE or MERGE) before giving up.
CONFLICT_ATTEMPTS = 30
# How long a service told to stop may take before it is killed.
STOP_SECONDS = 10.0
STARTUP_SECONDS = 120.0


class LakeError(PortalwatchError):
    """A DuckLake warehouse or one of its services could not be set up."""


# ------------------------------------------------------------------ extensions


def extension_file(name: str) -> Path:
    """The extension file that the `duckdb-extension-<name>` wheel ships for this DuckDB."""
    package = f"duckdb_extension_{name}"
    try:
        root = Path(str(importlib.resources.files(package))) / "extensions"
    except ModuleNotFoundError:
        raise LakeError(
            f"the DuckDB extension {name!r} is not installed: pip install 'duckdb-extension-{name}=={duckdb.__version__}'"
        ) from None
    path = root / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        built_for = sorted(p.name for p in root.glob("v*")) or ["none"]
        raise LakeError(
            f"duckdb-extension-{name} has no build for DuckDB {duckdb.__version__} "
            f"(it has {', '.join(built_for)}); install the release matching duckdb"
        )
    return path


def load_extensions(con: duckdb.DuckDBPyConnection, names: tuple[str, ...] = EXTENSIONS) -> None:
    """Install (from the wheels' files, no download) and load the extensions a DuckLake needs."""
    for name in names:
        path = extension_file(name)
        try:
            con.execute(f"INSTALL {_literal(str(path))}")
            con.execute(f"LOAD {name}")
        except duckdb.Error as exc:
            raise LakeError(f"the DuckDB extension {name!r} ({path}) does not load: {exc}") from exc


# ------------------------------------------------------------------ attach


@dataclass(frozen=True, slots=True)
class LakeSpec:
    """Where a DuckLake warehouse is: its catalog (a libpq DSN) and its data folder or S3 prefix."""

    catalog_dsn: str
    data_path: str | None = None

    def __str__(self) -> str:
        data = f" data_path={self.data_path}" if self.data_path else ""
        return f"{SPEC_PREFIX}postgres:{self.catalog_dsn}{data}"


def is_lake_spec(value: str | os.PathLike | None) -> bool:
    return value is not None and str(value).startswith(SPEC_PREFIX)


_DATA_PATH = re.compile(r"(?:^|\s)data_path=(\S+)")


def parse_spec(spec: str, data_path: str | None = None) -> LakeSpec:
    """``ducklake:postgres:<libpq DSN>``, optionally with a ``data_path=<folder or s3://…>`` entry.

    `data_path` given here wins over one in the spec.
    """
    prefix = f"{SPEC_PREFIX}postgres:"
    if not spec.startswith(prefix):
        raise LakeError(f"{spec!r}: a DuckLake warehouse is written {prefix}dbname=… host=… port=… user=…")
    dsn = spec[len(prefix) :]
    found = _DATA_PATH.search(dsn)
    if found:
        dsn = (dsn[: found.start()] + dsn[found.end() :]).strip()
    if not dsn.strip():
        raise LakeError(f"{spec!r}: no PostgreSQL connection string after {prefix}")
    return LakeSpec(dsn.strip(), data_path or (found.group(1) if found else None))


def attach_spec(
    con: duckdb.DuckDBPyConnection,
    spec: str | LakeSpec,
    alias: str = "lake",
    data_path: str | None = None,
    read_only: bool = False,
) -> None:
    """:func:`attach_ducklake` for a warehouse spec (see :func:`parse_spec`)."""
    lake = spec if isinstance(spec, LakeSpec) else parse_spec(spec, data_path)
    attach_ducklake(con, lake.catalog_dsn, data_path or lake.data_path, alias, read_only=read_only)


def attach_ducklake(
    con: duckdb.DuckDBPyConnection,
    catalog_dsn: str,
    data_path: str | None,
    alias: str = "lake",
    *,
    env: Mapping[str, str] | None = None,
    read_only: bool = False,
    data_inlining_row_limit: int | None = None,
) -> None:
    """Attach the DuckLake whose catalog is the PostgreSQL database `catalog_dsn` as `alias`.

    `data_path` is a folder or ``s3://bucket/prefix``: where a new DuckLake keeps its
    Parquet files (an existing one remembers it; None then). S3 keys and endpoint are
    read from `env` (default: the environment). A commit of fewer rows than
    `data_inlining_row_limit` (the extension's default: 10) is kept in the catalog until
    ``CALL ducklake_flush_inlined_data(alias)`` writes it out; 0 writes every commit as Parquet.
    """
    load_extensions(con)
    con.execute(f"SET ducklake_max_retry_count = {MAX_RETRY_COUNT}")
    options = ["READ_ONLY"] if read_only else []
    if data_inlining_row_limit is not None:
        options.append(f"DATA_INLINING_ROW_LIMIT {int(data_inlining_row_limit)}")
    env = os.environ if env is None else env
    if data_path is None and any(key.startswith("AWS_") for key in env):
        create_s3_secret(con, None, env, name=f"{alias}_s3")  # the DuckLake's own data path may be on S3
    if data_path:
        if data_path.startswith("s3://"):
            create_s3_secret(con, data_path, env, name=f"{alias}_s3")
        else:
            Path(data_path).mkdir(parents=True, exist_ok=True)
            data_path = str(Path(data_path).resolve())
        options.append(f"DATA_PATH {_literal(data_path)}")
    catalog = catalog_dsn if catalog_dsn.startswith(SPEC_PREFIX) else f"{SPEC_PREFIX}postgres:{catalog_dsn}"
    with_options = f" ({', '.join(options)})" if options else ""
    try:
        con.execute(f"ATTACH {_literal(catalog)} AS {_identifier(alias)}{with_options}")
    except duckdb.Error as exc:
        raise LakeError(f"cannot attach the DuckLake {catalog!r} (data in {data_path}): {exc}") from exc


def create_s3_secret(
    con: duckdb.DuckDBPyConnection, url: str | None, env: Mapping[str, str], name: str = "portalwatch_s3"
) -> None:
    """A DuckDB secret for the bucket of `url` (every bucket: None), from boto's environment variables."""
    fields: dict[str, str | bool] = {"TYPE": "s3"}
    if url:
        fields["SCOPE"] = f"s3://{urlsplit(url).netloc}"
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        fields["REGION"] = region
    for variable, field in (
        ("AWS_ACCESS_KEY_ID", "KEY_ID"),
        ("AWS_SECRET_ACCESS_KEY", "SECRET"),
        ("AWS_SESSION_TOKEN", "SESSION_TOKEN"),
    ):
        if env.get(variable):
            fields[field] = env[variable]
    endpoint = env.get("AWS_ENDPOINT_URL_S3") or env.get("AWS_ENDPOINT_URL")
    if endpoint:
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        fields |= {"ENDPOINT": parts.netloc, "URL_STYLE": "path", "USE_SSL": parts.scheme == "https"}
    body = ", ".join(
        f"{key} {str(value).lower() if isinstance(value, bool) else _literal(value)}"
        for key, value in fields.items()
    )
    con.execute(f"CREATE OR REPLACE TEMPORARY SECRET {_identifier(name)} ({body})")


def is_conflict(exc: BaseException) -> bool:
    """Whether `exc` is a DuckLake commit that met another writer's change to the same table.

    Concurrent appends are retried by the extension; an UPDATE, DELETE or MERGE is not:
    the whole transaction must run again on the snapshot that won.
    """
    return isinstance(exc, duckdb.TransactionException) and "Transaction conflict" in str(exc)


def retry_conflicts(work: Callable[[], T], attempts: int = CONFLICT_ATTEMPTS) -> T:
    """Run `work` (a whole transaction, BEGIN to COMMIT) again, after a random pause, while it
    fails on a transaction conflict; the last conflict is raised after `attempts` runs."""
    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_conflict),
        stop=tenacity.stop_after_attempt(attempts),
        wait=tenacity.wait_random_exponential(multiplier=0.05, max=2),
        reraise=True,
    )
    return retrying(work)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _identifier(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


# ------------------------------------------------------------------ throwaway services


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """These environment variables set for the block (what S3 and Prefect clients in this
    process read), then as they were."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Server:
    """A server process in a session of its own, working in `folder`, with a guard that stops it
    when this process ends and a process that removes `folder` once the server has ended."""

    def __init__(self, what: str, argv: list[str], folder: Path, *, env=None, user: str | None = None):
        self.what, self.log = what, folder / "server.log"
        # Held open for log_tail: the folder is removed as soon as the server ends, log and all.
        self.log_reader = open(self.log, "a+b")  # noqa: SIM115
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                argv,
                env=env,
                cwd=folder,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **_as_user(user),
            )
        self.guard = lifeline.guard(self.process.pid)
        self.remover = subprocess.Popen(
            [sys.executable, "-m", "portalwatch.lake", str(self.process.pid), str(folder)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_until(self, ready: Callable[[], bool], timeout: float = STARTUP_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LakeError(f"{self.what} exited with {self.process.returncode}: {self.log_tail()}")
            if ready():
                return
            time.sleep(0.2)
        raise LakeError(f"{self.what} was not ready within {timeout:.0f} s: {self.log_tail()}")

    def log_tail(self, size: int = 2000) -> str:
        try:
            self.log_reader.seek(0, os.SEEK_END)
            self.log_reader.seek(max(0, self.log_reader.tell() - size))
            return self.log_reader.read().decode(errors="replace") or "(nothing in its log)"
        except (OSError, ValueError):
            return "(no log)"

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """`sig` to the server, SIGKILL to whatever of its session is left after STOP_SECONDS."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(STOP_SECONDS)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for watcher in (self.guard, self.remover):  # each ends once the server has
            with contextlib.suppress(subprocess.TimeoutExpired):
                watcher.wait(STOP_SECONDS)
        self.log_reader.close()


def _as_user(user: str | None) -> dict:
    """Popen arguments that run the process as `user` (only root can, and only root needs to)."""
    if user is None or os.geteuid() != 0:
        return {}
    entry = _account(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _account(user: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(user)
    except KeyError:
        raise LakeError(f"no user {user!r} to run the server as (PostgreSQL refuses root)") from None


def postgres_bindir() -> Path:
    """The folder of PostgreSQL's server programs (Debian keeps them off PATH)."""
    found = shutil.which("initdb")
    if found and (Path(found).resolve().parent / "postgres").exists():
        return Path(found).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(Path(p).parts[-3].split(".")[0])
    )
    if not candidates:
        raise LakeError("PostgreSQL's server is not installed (Debian: apt-get install postgresql)")
    return Path(candidates[-1]).parent


class _TemporaryService:
    """A throwaway server (a :class:`_Server` in a temporary folder on a free port), a context
    manager: what `_start` started is stopped, and its folder removed, however the block ends."""

    stop_signal: int = signal.SIGTERM

    def __init__(self) -> None:
        self.port = 0
        self.folder: Path | None = None
        self.server: _Server | None = None

    def __enter__(self) -> Self:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        raise NotImplementedError

    @property
    def pid(self) -> int | None:
        return self.server.pid if self.server else None

    def close(self) -> None:
        if self.server:
            self.server.stop(self.stop_signal)
            self.server = None
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


class TemporaryPostgres(_TemporaryService):
    """A PostgreSQL server in a temporary folder on a free loopback port, trust authentication.

    Run as the `postgres` user when this process is root (PostgreSQL refuses root).
    ``create_database(name)`` returns the new database's libpq DSN; ``url(name)`` its
    SQLAlchemy URL.
    """

    user = "postgres"
    stop_signal = signal.SIGINT  # PostgreSQL's fast shutdown: clients are disconnected

    def _start(self) -> None:
        bindir = postgres_bindir()
        os_user = "postgres" if os.geteuid() == 0 else None
        self.folder = Path(tempfile.mkdtemp(prefix="portalwatch-postgres-"))
        if os_user:
            entry = _account(os_user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        data = self.folder / "data"
        initdb = subprocess.run(
            [str(bindir / "initdb"), "-D", str(data), "-U", self.user, "-A", "trust", "-E", "UTF8"]
            + ["--no-locale", "--no-sync", "--no-instructions"],
            cwd=self.folder,
            capture_output=True,
            text=True,
            **_as_user(os_user),
        )
        if initdb.returncode != 0:
            raise LakeError(f"initdb failed: {initdb.stderr.strip() or initdb.stdout.strip()}")
        self.port = free_port()
        settings = {"fsync": "off", "full_page_writes": "off", "synchronous_commit": "off"}
        settings |= {"max_connections": "200", "unix_socket_directories": str(self.folder)}
        argv = [str(bindir / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(self.port)]
        for key, value in settings.items():
            argv += ["-c", f"{key}={value}"]
        self.server = _Server("PostgreSQL", argv, self.folder, user=os_user)
        self.server.wait_until(lambda: self._ready(bindir))

    def _ready(self, bindir: Path) -> bool:
        ready = subprocess.run(
            [str(bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user],
            capture_output=True,
        )
        return ready.returncode == 0

    def create_database(self, name: str, template: str | None = None) -> str:
        """A new database (a copy of `template`, when given); returns its DSN."""
        result = subprocess.run(
            [
                str(postgres_bindir() / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                self.user,
                *(["-T", template] if template else []),
                name,
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise LakeError(f"createdb {name}: {result.stderr.strip()}")
        return self.dsn(name)

    def dsn(self, database: str = "postgres") -> str:
        return f"dbname={database} host=127.0.0.1 port={self.port} user={self.user}"

    def url(self, database: str = "postgres", driver: str = "postgresql+asyncpg") -> str:
        return f"{driver}://{self.user}@127.0.0.1:{self.port}/{database}"


class TemporaryS3(_TemporaryService):
    """An S3 endpoint (moto's server) on a free loopback port, with one bucket.

    ``env`` holds the variables that :func:`attach_ducklake` (and boto) read to reach it.
    """

    def __init__(self, bucket: str = "portalwatch") -> None:
        super().__init__()
        self.bucket = bucket

    def _start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="portalwatch-s3-"))
        self.port = free_port()
        argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)]
        self.server = _Server("The S3 server (moto)", argv, self.folder)
        self.server.wait_until(lambda: self._create_bucket(self.bucket))

    def create_bucket(self, name: str) -> str:
        """Another bucket on this server; returns its URL (``s3://name/``)."""
        if not self._create_bucket(name):
            raise LakeError(f"creating the bucket {name}: {self.endpoint_url} does not answer")
        return f"s3://{name}/"

    def _create_bucket(self, name: str) -> bool:
        try:
            response = httpx.put(f"{self.endpoint_url}/{name}", timeout=5)
        except httpx.HTTPError:
            return False
        if response.status_code != 200:
            raise LakeError(f"creating the bucket {name}: {response.status_code} {response.text[:300]}")
        return True

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": "portalwatch",
            "AWS_SECRET_ACCESS_KEY": "portalwatch",
            "AWS_REGION": "us-east-1",
        }

    def url(self, prefix: str = "") -> str:
        return f"s3://{self.bucket}/{prefix}"


class TemporaryPrefectServer(_TemporaryService):
    """A Prefect server on a free loopback port whose database is `database_url` (PostgreSQL:
    ``postgresql+asyncpg://…``); its own PREFECT_HOME, no analytics, no UI. ``api_url`` is its API.
    `settings`: more of the server's settings (``PREFECT_SERVER_…`` variables)."""

    def __init__(self, database_url: str, settings: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.database_url = database_url
        self.settings = dict(settings or {})

    def _start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="portalwatch-prefect-"))
        self.port = free_port()
        env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
        env |= {
            "PREFECT_HOME": str(self.folder),
            "PREFECT_API_DATABASE_CONNECTION_URL": self.database_url,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "false",
        }
        env |= self.settings
        argv = [
            sys.executable,
            "-m",
            "prefect",
            "server",
            "start",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        self.server = _Server("The Prefect server", argv, self.folder, env=env)
        self.server.wait_until(self._healthy)

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @property
    def env(self) -> dict[str, str]:
        """What a Prefect client or worker needs to use this server."""
        return {"PREFECT_API_URL": self.api_url}


class TemporaryWorker(_TemporaryService):
    """A Prefect process worker of `pool`, named `name`, on the Prefect API in `api_env` (such as
    :attr:`TemporaryPrefectServer.env`), with its own PREFECT_HOME in a temporary folder.

    `limit`: the most flow runs it runs at once (None: no limit). `settings`: more of its
    environment (S3 keys, ``PREFECT_…`` settings). A process worker runs each flow run in a
    session of its own, out of reach of the worker's: with `kill_tree`, leaving the block
    SIGKILLs the worker and every process it started, flow runs included; without, the worker
    is stopped (SIGTERM) and its flow runs must end with it (:mod:`portalwatch.flowrun`).
    """

    def __init__(
        self,
        pool: str,
        name: str,
        api_env: Mapping[str, str],
        *,
        limit: int | None = None,
        settings: Mapping[str, str] | None = None,
        kill_tree: bool = False,
    ) -> None:
        super().__init__()
        self.pool, self.name, self.limit, self.kill_tree = pool, name, limit, kill_tree
        self.api_env, self.settings = dict(api_env), dict(settings or {})

    def _start(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="portalwatch-worker-"))
        env = {key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")}
        env |= self.api_env | {
            "PREFECT_HOME": str(self.folder),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
            # The temporary files of the worker and its flow runs (Prefect's runner storage, a
            # folder a run) go in its folder, and with it.
            "TMPDIR": str(self.folder),
        }
        env |= self.settings
        argv = [sys.executable, "-m", "prefect", "worker", "start", "--pool", self.pool, "--type", "process"]
        argv += ["--name", self.name, *(["--limit", str(self.limit)] if self.limit else [])]
        self.server = _Server(f"The worker {self.name}", argv, self.folder, env=env)

    def wait_until_online(self, timeout: float = STARTUP_SECONDS) -> None:
        """Return once the pool lists this worker online (it has polled the server)."""
        if self.server is None:
            raise LakeError(f"the worker {self.name} is not running")
        self.server.wait_until(self._online, timeout)

    def _online(self) -> bool:
        api_url = self.api_env.get("PREFECT_API_URL", "")
        try:
            response = httpx.post(f"{api_url}/work_pools/{self.pool}/workers/filter", json={}, timeout=5)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and any(
            worker["name"] == self.name and worker.get("status") == "ONLINE" for worker in response.json()
        )

    def kill(self) -> None:
        """SIGKILL the worker and every process it started, now (as a crash would)."""
        if self.server:
            kill_tree(self.server.pid)

    def close(self) -> None:
        if self.kill_tree:
            self.kill()
        super().close()


def kill_tree(pid: int) -> None:
    """SIGKILL process `pid` and every process it started, whatever their session."""
    try:
        process = psutil.Process(pid)
        tree = [process, *process.children(recursive=True)]  # the parent first: it starts no more
    except psutil.NoSuchProcess:
        return
    for member in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.send_signal(signal.SIGKILL)


def _remove_when_ended(pid: int, folder: str) -> None:
    """Remove a throwaway server's folder once the server has ended, however its owner ended."""
    lifeline.wait_for_end([pid])
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    _remove_when_ended(int(sys.argv[1]), sys.argv[2])
