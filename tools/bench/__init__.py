"""`make bench`: citygvc's full and incremental refresh measured beside a plain-pandas peer
and a floor (the same readers into Arrow, then one DuckDB statement) on the same sample
catalog, with peak memory, where the refresh's time goes, and a check that all agree.
Entry point: `python -m tools.bench` (run.py)."""
