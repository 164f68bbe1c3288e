"""Schedules: they only name the job they run and when."""

from dagster import DefaultScheduleStatus, ScheduleDefinition

daily_refresh_schedule = ScheduleDefinition(
    name="daily_refresh",
    job_name="refresh_job",
    cron_schedule="0 2 * * *",
    default_status=DefaultScheduleStatus.RUNNING,
    description="02:00 daily: the same refresh as `make run`.",
)
