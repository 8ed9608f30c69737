"""Prefect flows: thin orchestration over the stages (the only Prefect imports)."""
