"""Freshness of the marts: warn when the newest loaded release of a dataset is older than
expected (issue 8).

Dagster's own freshness tools (FreshnessPolicy, `build_last_update_freshness_checks`) judge
when an asset was last materialized. That is the wrong clock here: a refresh whose fingerprint
is unchanged materializes nothing, and a refresh today of a 2013 survey is not fresh data. What
a monitor needs is the age of the newest *data*: the newest loaded period of each dataset and
when that release was published. So this is a plain, non-blocking asset check (severity WARN)
on `marts/fct_city_indicators`.

It never opens the warehouse (one writer; the check may run from the schedule while a refresh
holds the writer pool): which releases are loaded comes from `state.json` (the writer's mirror
of ops.releases), their period and publication date from the catalog, and the live publish from
`serve/manifest.json`.
"""

# No `from __future__ import annotations`: Dagster reads the check's context and resource
# annotations as live objects.
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    AssetSelection,
    DefaultScheduleStatus,
    MetadataValue,
    ScheduleDefinition,
    asset_check,
    define_asset_job,
)

from orchestration.defs.resources import CitygvcSettings
from orchestration.ingest.catalog import CatalogError, Release, open_catalog, validate_catalog
from orchestration.pipeline.plan import read_state
from orchestration.settings import Settings

CHECKED_ASSET = AssetKey(["marts", "fct_city_indicators"])
CHECK_NAME = "freshness_newest_release"


@dataclass(frozen=True)
class FreshnessRule:
    """What "fresh" means for one dataset. `max_period_lag_years`: the newest loaded period
    must be at least (this year − lag). `max_published_age_days`: the newest loaded release
    must have been published within that many days. None switches a limit off."""

    dataset: str
    max_period_lag_years: int | None
    max_published_age_days: int | None


# Yearbooks print year t in the second half of t + 1, so a lag of 2 years allows one missed
# edition's worth of slack; a survey release of year t has circulated two to three years later.
# A release published more than two years ago means the feed has stopped. The demo catalog
# (periods to 2013 / 2020) is older than this on purpose and shows the warning.
DEFAULT_RULES = (
    FreshnessRule("asif", max_period_lag_years=3, max_published_age_days=730),
    FreshnessRule("fdi_city", max_period_lag_years=2, max_published_age_days=730),
)


@dataclass(frozen=True)
class DatasetFreshness:
    dataset: str
    newest_release_id: str | None
    newest_period: int | None
    newest_published_at: str | None
    problems: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            "dataset": self.dataset,
            "newest_release_id": self.newest_release_id,
            "newest_period": self.newest_period,
            "newest_published_at": self.newest_published_at,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class FreshnessReport:
    today: date
    datasets: tuple[DatasetFreshness, ...]
    pending_release_ids: tuple[str, ...]
    unlisted_release_ids: tuple[str, ...]
    publish_id: str | None
    publish_current: bool
    error: str | None = None

    @property
    def fresh(self) -> bool:
        return self.error is None and not any(d.problems for d in self.datasets)

    def summary(self) -> str:
        if self.error:
            return f"freshness unknown: {self.error}"
        problems = [p for d in self.datasets for p in d.problems]
        if problems:
            return "; ".join(problems)
        newest = ", ".join(f"{d.dataset} {d.newest_period}" for d in self.datasets)
        return f"newest loaded periods within the expected lag ({newest})"


def _published(settings: Settings) -> tuple[str | None, set[str]]:
    path = settings.serve_dir / "manifest.json"
    if not path.exists():
        return None, set()
    manifest = json.loads(path.read_text())
    loaded = {r["release_id"] for r in manifest.get("releases", []) if r["status"] == "loaded"}
    return manifest.get("publish_id"), loaded


def _judge(rule: FreshnessRule, releases: list[Release], today: date) -> DatasetFreshness:
    if not releases:
        return DatasetFreshness(
            rule.dataset, None, None, None, (f"no {rule.dataset} release is loaded",)
        )
    newest = max(releases, key=lambda r: (r.period, r.published_at or "", r.revision))
    published = [r.published_at for r in releases if r.published_at]
    newest_published = max(published) if published else None
    problems = []
    if rule.max_period_lag_years is not None:
        lag = today.year - newest.period
        if lag > rule.max_period_lag_years:
            problems.append(
                f"newest {rule.dataset} period {newest.period} is {lag} years behind "
                f"{today.year} (expected at most {rule.max_period_lag_years})"
            )
    if rule.max_published_age_days is not None:
        if newest_published is None:
            problems.append(f"no loaded {rule.dataset} release has a published_at date")
        else:
            age = (today - date.fromisoformat(newest_published)).days
            if age > rule.max_published_age_days:
                problems.append(
                    f"newest {rule.dataset} release was published {newest_published}, "
                    f"{age} days ago (expected at most {rule.max_published_age_days})"
                )
    return DatasetFreshness(
        rule.dataset, newest.release_id, newest.period, newest_published, tuple(problems)
    )


def evaluate_freshness(
    settings: Settings, today: date, rules: Sequence[FreshnessRule] = DEFAULT_RULES
) -> FreshnessReport:
    """Judge the loaded releases of `settings` against `rules` as of `today`."""
    recorded = read_state(settings)
    loaded_sha = {rid: r.sha256 for rid, r in recorded.items() if r.status == "loaded"}
    publish_id, published_ids = _published(settings)
    publish_current = publish_id is not None and published_ids == set(loaded_sha)
    try:
        doc = open_catalog(settings.releases).read_catalog()
    except CatalogError as exc:
        return FreshnessReport(today, (), (), (), publish_id, publish_current, str(exc))
    # The loaded releases' own entries give their period and publication date; validating
    # against the loaded sha256 keeps a loaded entry even if the catalog now lists it twice.
    releases, _ = validate_catalog(doc, loaded_sha)
    loaded = [r for r in releases if r.release_id in loaded_sha]
    # Valid entries the writer has no record of yet (quarantined ones are recorded).
    pending = tuple(sorted(r.release_id for r in releases if r.release_id not in recorded))
    # Loaded but no longer a valid catalog entry (removed or mutated): its period is unknown.
    unlisted = tuple(sorted(set(loaded_sha) - {r.release_id for r in loaded}))
    datasets = tuple(
        _judge(rule, [r for r in loaded if r.dataset == rule.dataset], today) for rule in rules
    )
    return FreshnessReport(today, datasets, pending, unlisted, publish_id, publish_current)


def _describe(rule: FreshnessRule) -> str:
    limits = []
    if rule.max_period_lag_years is not None:
        limits.append(f"newest period at most {rule.max_period_lag_years} years back")
    if rule.max_published_age_days is not None:
        limits.append(f"published at most {rule.max_published_age_days} days ago")
    return f"{rule.dataset}: {', '.join(limits) or 'no limit'}"


def freshness_checks(rules: Sequence[FreshnessRule] = DEFAULT_RULES) -> list[AssetChecksDefinition]:
    """The freshness check for Definitions(asset_checks=...)."""

    @asset_check(
        asset=CHECKED_ASSET,
        name=CHECK_NAME,
        blocking=False,
        description="Warns when the newest loaded release of a dataset is older than expected: "
        + "; ".join(_describe(rule) for rule in rules)
        + ". Reads state.json, the catalog and serve/manifest.json, never the warehouse.",
    )
    def freshness_newest_release(
        context: AssetCheckExecutionContext, citygvc: CitygvcSettings
    ) -> AssetCheckResult:
        report = evaluate_freshness(citygvc.get(), datetime.now(UTC).date(), rules)
        return AssetCheckResult(
            passed=report.fresh,
            severity=AssetCheckSeverity.WARN,
            description=report.summary(),
            metadata={
                "evaluated_on": report.today.isoformat(),
                "datasets": MetadataValue.json([d.as_dict() for d in report.datasets]),
                "pending_releases": MetadataValue.json(list(report.pending_release_ids)),
                "loaded_but_not_in_catalog": MetadataValue.json(list(report.unlisted_release_ids)),
                "publish_id": report.publish_id or "none",
                "publish_current": report.publish_current,
            },
        )

    return [freshness_newest_release]


def freshness_schedule(checks: Sequence[AssetChecksDefinition]) -> ScheduleDefinition:
    """Re-evaluate the freshness check daily: data ages even when nothing is re-materialized."""
    job = define_asset_job(
        "freshness_check",
        selection=AssetSelection.checks(*checks),
        description="Evaluate the freshness check of the marts (no asset is materialized).",
    )
    return ScheduleDefinition(
        name="daily_freshness_check",
        job=job,
        cron_schedule="0 7 * * *",
        default_status=DefaultScheduleStatus.RUNNING,
        description="07:00 daily: is the newest loaded release still within the expected age?",
    )
