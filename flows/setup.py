"""What every flow starts from: the sources file read, the warehouse and raw store found,
and, once the flow knows what it will do, the warehouse brought up to date and the run
recorded."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from portalwatch.config import SourcesConfig, default_sources_path, load_sources
from portalwatch.paths import raw_store_path, warehouse_location
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse


@dataclass(frozen=True, slots=True)
class FlowSetup:
    config_file: Path  # resolved
    config: SourcesConfig
    warehouse_file: Path | str  # a DuckDB file, or a DuckLake spec
    raw_folder: Path | str  # a folder, or an object store URL (s3://bucket/prefix)
    store: Warehouse
    raw_endpoint: str | None = None  # the S3-compatible server of an s3:// raw store

    @classmethod
    def load(cls, config_path: str | None, warehouse: str | None, raw_dir: str | None) -> FlowSetup:
        """The sources file (default: the bundled real portals), the warehouse (the argument, else
        $PORTALWATCH_WAREHOUSE, else the sources file's [settings.warehouse]) and the raw store (the
        argument, else $PORTALWATCH_RAW_DIR, else [settings.raw], else raw/ beside the warehouse)."""
        config_file = Path(config_path or default_sources_path()).resolve()
        config = load_sources(config_file)
        warehouse_file = warehouse_location(warehouse, config.settings.warehouse_location)
        raw_folder = raw_store_path(warehouse_file, raw_dir, config.settings.raw.location)
        # The DuckDB settings apply to every connection to this file in this process.
        store = Warehouse.configured(warehouse_file, config.settings.warehouse)
        return cls(config_file, config, warehouse_file, raw_folder, store, config.settings.raw.endpoint_url)

    def raw_store(self) -> RawStore:
        return RawStore(self.raw_folder, self.raw_endpoint)

    async def start_run(self, flow: str, parameters: dict) -> str:
        """Migrate the warehouse, then record a run of `flow`; returns its id."""
        await asyncio.to_thread(self.store.migrate)
        return await asyncio.to_thread(self.store.start_run, flow, parameters)
