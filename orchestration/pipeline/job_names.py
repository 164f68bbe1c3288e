"""The names of the jobs the refresh runs, apart from the refresh itself so that the Dagster
definitions that declare those jobs need not import the refresh (and, through it, the
readers with pandas and pyarrow) when the code location loads."""

INGEST_JOB_NAMES = {"asif": "ingest_asif", "fdi_city": "ingest_fdi_city"}
TRANSFORM_JOB_NAME = "transform_and_publish"
