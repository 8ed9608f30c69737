"""Reading the warehouse: an article's history and word diffs, exports, the HTML report.

Plain Python over a read-only DuckDB connection; the command line in
:mod:`portalwatch.analytics.commands` is a thin layer over these modules.
"""
