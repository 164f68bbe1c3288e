"""One writer, run by run: the jobs whose steps open the warehouse carry this tag, and
dagster.yaml's run queue starts one run with it at a time. The writer pool orders the steps of
runs that are already going; this keeps a scheduled refresh, which reads and records releases
between the runs it starts, from starting while a sensor's run writes (docs/operations.md)."""

WRITER_KEY, WRITER_VALUE = "citygvc/writer", "warehouse"
WRITER_RUN_TAGS = {WRITER_KEY: WRITER_VALUE}
