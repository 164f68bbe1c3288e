"""citygvc orchestration: the Dagster code location, the one-shot refresh and its helpers."""
