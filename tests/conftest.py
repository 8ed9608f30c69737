"""Shared fixtures: a private Prefect home, the simulator in a child process, temp warehouses."""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import sys
import tempfile
from pathlib import Path

_SESSION_TMP_ENV = "PORTALWATCH_TEST_TMP"
# Every temporary file of the session's processes (the tests', the servers' they start,
# Prefect's runners', multiprocessing's, pytest's own) goes in one folder that the process
# starting the session removes as it ends: those a killed process would leave go with it.
if _SESSION_TMP_ENV not in os.environ:
    _SESSION_TMP = tempfile.mkdtemp(prefix="portalwatch-tests-")
    os.chmod(_SESSION_TMP, 0o711)  # the throwaway PostgreSQL, run as its own user, passes through it
    os.environ[_SESSION_TMP_ENV] = os.environ["TMPDIR"] = _SESSION_TMP
    tempfile.tempdir = None  # found again, from TMPDIR
    atexit.register(shutil.rmtree, _SESSION_TMP, ignore_errors=True)

# Before anything imports prefect: a Prefect home of the test session's own, no
# telemetry, and no configured API so that flows run on an ephemeral server.
_PREFECT_HOME = tempfile.mkdtemp(prefix="portalwatch-prefect-")  # each process's, in the session's folder
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["PREFECT_LOGGING_TO_API_ENABLED"] = "false"  # the ephemeral server stops before the last flush
os.environ["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"] = (
    "120"  # a busy 2-core machine starts it slowly
)
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("PORTALWATCH_WAREHOUSE", None)
os.environ.pop("PORTALWATCH_RAW_DIR", None)

import pytest  # noqa: E402
from budget import FLOOR_ENV, START_SCALE, budget  # noqa: E402

from portalwatch import lake  # noqa: E402
from portalwatch.flows.api import start_temporary_api  # noqa: E402
from portalwatch.sim.process import SimulatorProcess  # noqa: E402
from portalwatch.storage.session import close_sessions  # noqa: E402
from portalwatch.storage.warehouse import Warehouse  # noqa: E402

SMALL_SCALE = 0.05  # about 170 articles over the five simulated portals


@pytest.fixture
def sim(tmp_path: Path):
    """A fresh simulated portal network (its own world, so `advance` is private to the test)."""
    with SimulatorProcess(tmp_path / "sim-sources.toml", seed=7, scale=SMALL_SCALE) as process:
        yield process


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    store = Warehouse(tmp_path / "warehouse.duckdb")
    store.migrate()
    return store


@pytest.fixture(scope="session")
def lake_postgres():
    """One throwaway PostgreSQL for every DuckLake test of the session (a database per test)."""
    with lake.TemporaryPostgres() as postgres:
        yield postgres


@pytest.fixture(scope="session")
def lake_template(lake_postgres, tmp_path_factory) -> lake.LakeSpec:
    """A migrated DuckLake catalog that each test's catalog is copied from (migrating one takes
    seconds); their Parquet files share its data folder, under names that never collide."""
    spec = lake.LakeSpec(
        lake_postgres.create_database("lake_template"), str(tmp_path_factory.mktemp("lake-data"))
    )
    Warehouse(str(spec)).migrate()
    close_sessions()  # PostgreSQL copies a database nobody is connected to
    return spec


_lake_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def lake_s3():
    """One throwaway S3 endpoint (moto) for every test of the session that needs one (a bucket per test)."""
    with lake.TemporaryS3() as s3:
        yield s3


@pytest.fixture
def s3_bucket(lake_s3, monkeypatch) -> str:
    """A fresh bucket of the session's S3 endpoint, reached through the environment; its URL."""
    for key, value in lake_s3.env.items():
        monkeypatch.setenv(key, value)
    return lake_s3.create_bucket(f"test-{os.getpid()}-{next(_lake_numbers)}")


@pytest.fixture(scope="session")
def prefect_server(lake_postgres):
    """One real Prefect server (its database in the session's PostgreSQL) for the tests that start
    workers, each with a work pool of its own. Its repossessor frees the slots of a holder that died
    once their lease expires, looking every second rather than every fifteen."""
    database = f"prefect_{os.getpid()}"
    lake_postgres.create_database(database)
    settings = {"PREFECT_SERVER_SERVICES_REPOSSESSOR_LOOP_SECONDS": "1"}
    with lake.TemporaryPrefectServer(lake_postgres.url(database), settings) as server:
        yield server


@pytest.fixture(scope="session")
def fresh_lake(lake_postgres, lake_template):
    """Makes DuckLake warehouses: each call, a fresh catalog database of the session's PostgreSQL,
    migrated already; returns its spec."""

    def make() -> str:
        name = f"lake_{os.getpid()}_{next(_lake_numbers)}"
        dsn = lake_postgres.create_database(name, template="lake_template")
        return str(lake.LakeSpec(dsn, lake_template.data_path))

    return make


BACKENDS = ["file", pytest.param("ducklake", marks=pytest.mark.ducklake)]


@pytest.fixture(params=BACKENDS)
def warehouse_backend(request, tmp_path: Path) -> str:
    """Where a test's warehouse goes, on each backend: a DuckDB file, or a DuckLake whose catalog
    is a fresh database of the session's PostgreSQL, migrated already."""
    if request.param == "file":
        return str(tmp_path / "warehouse.duckdb")
    return request.getfixturevalue("fresh_lake")()


@pytest.fixture
def any_warehouse(warehouse_backend: str):
    """A migrated warehouse on each backend."""
    store = Warehouse(warehouse_backend)
    store.migrate()
    yield store
    close_sessions()


@pytest.fixture(autouse=True)
def guarded_prefect_server(request):
    """Prefect's ephemeral server, started for the first test that needs one with a guard
    that stops it should pytest itself be killed (pytest_sessionfinish stops it otherwise)."""
    if request.node.get_closest_marker("prefect"):
        start_temporary_api()
    yield


def pytest_configure(config):
    """The suite's starting factor is the least any budget gets, in every test process."""
    os.environ.setdefault(FLOOR_ENV, f"{START_SCALE:.2f}")


def pytest_report_header(config):
    return (
        f"time budgets: {START_SCALE:.2f}x at the start (load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} cores), grown with the load as the tests start"
    )


TIMEOUT_SECONDS = pytest.StashKey[float]()


def pytest_collection_modifyitems(config, items):
    """Each test's pytest-timeout limit (the marker's, else the configured default) on an idle machine."""
    default = float(config.getini("timeout") or 0)
    for item in items:
        marker = item.get_closest_marker("timeout")
        seconds = (marker.args[0] if marker.args else marker.kwargs.get("timeout")) if marker else default
        if seconds:
            item.stash[TIMEOUT_SECONDS] = float(seconds)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """Grow the test's limit with the load as it starts, before pytest-timeout reads it."""
    seconds = item.stash.get(TIMEOUT_SECONDS, None)
    if seconds:
        item.add_marker(pytest.mark.timeout(budget(seconds)), append=False)
    yield


def pytest_sessionfinish(session, exitstatus):
    """Stop Prefect's ephemeral server while pytest's output streams are still open."""
    server_module = sys.modules.get("prefect.server.api.server")
    if server_module is not None:
        for server in list(server_module.SubprocessASGIServer._instances.values()):
            server.stop()


@pytest.fixture
def start_simulator(tmp_path: Path):
    """Start simulators with options (fault profile, portal sizes, validators); all stop after the test."""
    started: list[SimulatorProcess] = []

    def start(name: str = "sim", **options) -> SimulatorProcess:
        options.setdefault("seed", 7)
        options.setdefault("scale", SMALL_SCALE)
        process = SimulatorProcess(tmp_path / f"{name}-sources.toml", **options).__enter__()
        started.append(process)
        return process

    yield start
    for process in started:
        process.__exit__(None, None, None)
