"""The daily scheduled refresh: a one-op job that runs the same code as
`python -m orchestration.refresh` (ingest runs per release, then transform and publish)."""

from dagster import DefaultScheduleStatus, Failure, OpExecutionContext, ScheduleDefinition, job, op

from orchestration.settings import Settings


@op(description="Run the one-shot refresh (orchestration.refresh.run_refresh) in this run.")
def refresh_op(context: OpExecutionContext) -> None:
    from orchestration.refresh import EXIT_CATALOG, EXIT_FAILURE, run_refresh

    status = run_refresh(Settings.from_env(), echo=context.log.info, instance=context.instance)
    if status in (EXIT_FAILURE, EXIT_CATALOG):
        raise Failure(description=f"refresh exited with status {status}")


@job(description="The scheduled refresh: new releases in, checked marts out.")
def refresh_job() -> None:
    refresh_op()


daily_refresh_schedule = ScheduleDefinition(
    name="daily_refresh",
    job=refresh_job,
    cron_schedule="0 2 * * *",
    default_status=DefaultScheduleStatus.RUNNING,
    description="02:00 daily: the same refresh as `make run`.",
)
