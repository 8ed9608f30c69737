"""Storage: the content-addressed raw store and the DuckDB warehouse."""
