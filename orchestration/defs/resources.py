"""Dagster resources: the settings every asset needs, built from the environment once."""

from __future__ import annotations

import sys
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource

from orchestration.settings import Settings
from orchestration.warehouse.dbt import dbt_project


class CitygvcSettings(ConfigurableResource):
    """docs/settings.md settings as a resource (values resolved when the code location loads)."""

    data_dir: str
    releases: str
    dagster_home: str
    disclosure: bool = True
    sdc_min_firms: int
    sdc_dominance: int

    @classmethod
    def from_settings(cls, settings: Settings) -> CitygvcSettings:
        return cls(
            data_dir=str(settings.data_dir),
            releases=settings.releases,
            dagster_home=str(settings.dagster_home),
            disclosure=settings.disclosure,
            sdc_min_firms=settings.sdc_min_firms,
            sdc_dominance=settings.sdc_dominance,
        )

    def get(self) -> Settings:
        return Settings(
            data_dir=Path(self.data_dir),
            releases=self.releases,
            dagster_home=Path(self.dagster_home),
            disclosure=self.disclosure,
            sdc_min_firms=self.sdc_min_firms,
            sdc_dominance=self.sdc_dominance,
        )


def dbt_resource() -> DbtCliResource:
    # dbt from this interpreter's environment, so the Dagster UI works without an activated venv.
    return DbtCliResource(
        project_dir=dbt_project, dbt_executable=str(Path(sys.executable).parent / "dbt")
    )
