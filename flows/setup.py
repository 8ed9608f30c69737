"""What every flow starts from: the sources file read, the warehouse and raw store found,
and, once the flow knows what it will do, the warehouse brought up to date and the run
recorded."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from portalwatch.config import SourcesConfig, default_sources_path, load_sources
from portalwatch.paths import raw_store_path, warehouse_location
from portalwatch.storage.warehouse import Warehouse


@dataclass(frozen=True, slots=True)
class FlowSetup:
    config_file: Path  # resolved
    config: SourcesConfig
    warehouse_file: Path | str  # a DuckDB file, or a DuckLake spec
    raw_folder: Path
    store: Warehouse

    @classmethod
    def load(cls, config_path: str | None, warehouse: str | None, raw_dir: str | None) -> FlowSetup:
        """The sources file (default: the bundled real portals), the warehouse (the argument, else
        $PORTALWATCH_WAREHOUSE, else the sources file's [settings.warehouse]) and the raw store folder
        (likewise; paths in the sources file are relative to its folder)."""
        config_file = Path(config_path or default_sources_path()).resolve()
        config = load_sources(config_file)
        warehouse_file = warehouse_location(warehouse, config.settings.warehouse_location)
        raw_folder = raw_store_path(warehouse_file, raw_dir, config.settings.warehouse.raw_dir)
        # The DuckDB settings apply to every connection to this file in this process.
        store = Warehouse(warehouse_file, config.settings.warehouse.duckdb_config())
        return cls(config_file, config, warehouse_file, raw_folder, store)

    async def start_run(self, flow: str, parameters: dict) -> str:
        """Migrate the warehouse, then record a run of `flow`; returns its id."""
        await asyncio.to_thread(self.store.migrate)
        return await asyncio.to_thread(self.store.start_run, flow, parameters)
