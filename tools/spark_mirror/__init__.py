"""Port a dbt model to Spark one at a time: mirror a finished DuckDB refresh into Spark."""
