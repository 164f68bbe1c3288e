"""Dagster assets, one module per layer: ingest (raw), transform (dbt), publish (serve)."""
