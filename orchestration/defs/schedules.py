"""Schedules: they only name the job they run and when."""

from dagster import DefaultScheduleStatus, ScheduleDefinition

# Daily housekeeping, after the default 02:00 refresh has had time to finish
# (docs/operations.md#retention).
RETENTION_CRON = "30 3 * * *"


def daily_refresh_schedule(cron: str) -> ScheduleDefinition:
    """The refresh at `cron` (CITYGVC_REFRESH_CRON, UTC)."""
    return ScheduleDefinition(
        name="daily_refresh",
        job_name="refresh_job",
        cron_schedule=cron,
        default_status=DefaultScheduleStatus.RUNNING,
        description=f"`{cron}` (UTC, CITYGVC_REFRESH_CRON): the same refresh as `make run`.",
    )


daily_retention_schedule = ScheduleDefinition(
    name="daily_retention",
    job_name="retention_job",
    cron_schedule=RETENTION_CRON,
    default_status=DefaultScheduleStatus.RUNNING,
    description="03:30 daily: delete old Dagster runs and compact the run storage.",
)
