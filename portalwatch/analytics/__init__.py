"""Reading the warehouse: an article's history and word diffs, exports, the HTML report.

Plain Python over a read-only DuckDB connection; the commands of :mod:`portalwatch.cli`
reach them through :mod:`portalwatch.analytics.commands`, which prints what they find.
"""
