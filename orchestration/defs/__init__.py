"""Dagster objects only: assets, checks, jobs, sensors and schedules, one folder per layer."""
