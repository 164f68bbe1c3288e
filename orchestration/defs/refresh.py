"""The refresh job: one op that runs the same refresh as `citygvc refresh`, resolving the
ingest and transform jobs from the code location it runs in."""

from dagster import Failure, OpExecutionContext, job, op

from orchestration.defs.writer import WRITER_RUN_TAGS
from orchestration.settings import Settings


@op(description="Run the refresh (orchestration.pipeline.refresh.run_refresh) in this run.")
def refresh_op(context: OpExecutionContext) -> None:
    # Imported in the run: the refresh pulls in the readers (pandas, pyarrow), which loading
    # the definitions (UI, sensors, every run worker) should not pay for.
    from orchestration.pipeline.refresh import EXIT_CATALOG, EXIT_FAILURE, run_refresh

    status = run_refresh(
        Settings.from_env(),
        resolve_job=context.repository_def.get_job,
        echo=context.log.info,
        instance=context.instance,
    )
    if status in (EXIT_FAILURE, EXIT_CATALOG):
        raise Failure(description=f"refresh exited with status {status}")


@job(
    tags=WRITER_RUN_TAGS,
    description="The scheduled refresh: new releases in, checked marts out.",
)
def refresh_job() -> None:
    refresh_op()
