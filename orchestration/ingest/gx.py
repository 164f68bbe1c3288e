"""A small Great Expectations (GX Core 1.x) wrapper: validate a pandas DataFrame against one of
the reviewed suites in `expectations/`.

The JSON files in `expectations/` are the source of truth ({"name", "expectations": [{"type",
"kwargs", "meta": {"severity": "critical"|"warning", "description"}}]}); they are loaded into a
file-backed GX context under `settings.gx_dir` on every run, so GX's own stores (and the Data
Docs it builds) never live in the repository and never drift from the reviewed files.

`critical` expectations block, `warning` ones are reported only. An expectation whose metrics
GX could not compute raises GxInfrastructureError: that is neither "data good" nor "data bad".
GX is imported lazily because the import alone takes seconds.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePath
from typing import Any

import pandas as pd

from orchestration.settings import EXPECTATIONS_DIR, Settings

SEVERITIES = ("critical", "warning")
_SAMPLE = 10


class GxInfrastructureError(RuntimeError):
    """GX failed to evaluate an expectation (missing column, metric error, bad suite)."""


@dataclass(frozen=True)
class GxExpectationResult:
    expectation_type: str
    column: str | None
    severity: str
    description: str
    success: bool
    unexpected_count: int | None
    unexpected_percent: float | None
    partial_unexpected: list[Any]
    sample_keys: list[dict[str, Any]]
    observed_value: Any = None

    def summary(self) -> str:
        what = self.expectation_type + (f" on {self.column}" if self.column else "")
        if self.unexpected_count is not None:
            sample = ", ".join(repr(v) for v in self.partial_unexpected[:5])
            return (
                f"{what}: {self.unexpected_count} unexpected "
                f"({self.unexpected_percent or 0:.2f}%), e.g. {sample}"
            )
        return f"{what}: observed {self.observed_value!r}"


@dataclass(frozen=True)
class GxOutcome:
    suite_name: str
    success: bool  # every critical expectation passed
    success_percent: float
    results: tuple[GxExpectationResult, ...]
    data_docs_path: Path | None

    @property
    def critical_failures(self) -> list[GxExpectationResult]:
        return [r for r in self.results if not r.success and r.severity == "critical"]

    @property
    def warnings(self) -> list[GxExpectationResult]:
        return [r for r in self.results if not r.success and r.severity == "warning"]

    def metadata(self) -> dict[str, Any]:
        """Plain values for Dagster metadata / logs."""
        return {
            "suite": self.suite_name,
            "success": self.success,
            "success_percent": round(self.success_percent, 2),
            "failed": [r.summary() for r in self.results if not r.success],
            "data_docs": str(self.data_docs_path) if self.data_docs_path else None,
        }


def load_suite_spec(suite_name: str, directory: Path | None = None) -> dict[str, Any]:
    """The reviewed suite (from `expectations/` unless `directory` is given), checked for the
    fields this wrapper relies on."""
    path = (directory or EXPECTATIONS_DIR) / f"{suite_name}.json"
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise GxInfrastructureError(f"cannot load suite {path}: {exc}") from None
    if spec.get("name") != suite_name or not isinstance(spec.get("expectations"), list):
        raise GxInfrastructureError(f"{path}: needs 'name' = {suite_name!r} and 'expectations'")
    for item in spec["expectations"]:
        severity = item.get("meta", {}).get("severity")
        if not str(item.get("type", "")).startswith("expect_") or severity not in SEVERITIES:
            raise GxInfrastructureError(f"{path}: bad expectation {item!r:.200}")
    return spec


# Expectation arguments that name the columns an expectation reads.
_COLUMN_ARGUMENTS = ("column", "column_A", "column_B", "column_list")


def suite_columns(suite_name: str, suites_dir: Path | None = None) -> list[str] | None:
    """The columns the suite's expectations read (sorted), or None when one of them looks at
    the table's whole column set: a frame narrowed to these (and its key columns) validates
    alike, and converting and scanning the other columns is wasted work."""
    spec = load_suite_spec(suite_name, suites_dir)
    columns: set[str] = set()
    for item in spec["expectations"]:
        if item["type"].startswith("expect_table_column"):
            return None
        for argument in _COLUMN_ARGUMENTS:
            value = item.get("kwargs", {}).get(argument)
            columns.update([value] if isinstance(value, str) else value or [])
    return sorted(columns)


@contextmanager
def _store_lock(gx_dir: str) -> Iterator[None]:
    """Exclusive use of the GX project's stores across processes (releases are validated in
    parallel worker processes; GX's file stores are not safe for concurrent writers)."""
    Path(gx_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(Path(gx_dir) / ".citygvc.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@cache
def _context(gx_dir: str) -> Any:
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    # lazy: the import alone takes seconds (module docstring)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    Path(gx_dir).mkdir(parents=True, exist_ok=True, mode=0o700)
    context = gx.get_context(mode="file", project_root_dir=gx_dir)
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    context.variables.save()
    return context


def _checkpoint(context: Any, spec: dict[str, Any], key_columns: list[str], gx_dir: str) -> Any:
    """The suite's checkpoint, (re)saved only when the reviewed suite or the key columns
    changed since it was saved: saving gives its objects new ids, which would make a run in
    another process holding the old ones fail GX's freshness check."""
    fingerprint = hashlib.sha256(
        json.dumps([spec, key_columns], sort_keys=True).encode()
    ).hexdigest()
    marker = Path(gx_dir) / "citygvc_saved" / f"{spec['name']}.sha256"
    if marker.exists() and marker.read_text() == fingerprint:
        try:
            return context.checkpoints.get(spec["name"])
        except Exception:  # gone from the store: save it again below
            pass
    checkpoint = _save_checkpoint(context, spec, key_columns)
    marker.parent.mkdir(exist_ok=True)
    marker.write_text(fingerprint)
    return checkpoint


def _save_checkpoint(context: Any, spec: dict[str, Any], key_columns: list[str]) -> Any:
    import great_expectations as gx  # lazy: see _context
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    name = spec["name"]
    source = context.data_sources.add_or_update_pandas(name="citygvc")
    asset = next((a for a in source.assets if a.name == name), None) or (
        source.add_dataframe_asset(name=name)
    )
    batch = next((b for b in asset.batch_definitions if b.name == "whole"), None) or (
        asset.add_batch_definition_whole_dataframe("whole")
    )
    suite = gx.ExpectationSuite(name=name)
    for item in spec["expectations"]:
        meta = dict(item.get("meta", {}))
        suite.add_expectation_configuration(
            ExpectationConfiguration(
                type=item["type"],
                kwargs=dict(item.get("kwargs", {})),
                meta=meta,
                description=meta.get("description"),
                severity=meta["severity"],
            )
        )
    suite = context.suites.add_or_update(suite)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(data=batch, suite=suite, name=name)
    )
    result_format: dict[str, Any] = {"result_format": "SUMMARY"}
    if key_columns:
        result_format["unexpected_index_column_names"] = key_columns
    return context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=name,
            validation_definitions=[definition],
            actions=[],
            result_format=result_format,
        )
    )


def _raised(exception_info: Any) -> str | None:
    """The first exception message in a result's exception_info (either one record or a map
    of metric id to record, depending on where GX failed)."""
    if not isinstance(exception_info, dict):
        return None
    records = [exception_info] if "raised_exception" in exception_info else exception_info.values()
    for record in records:
        if isinstance(record, dict) and record.get("raised_exception"):
            return str(record.get("exception_message") or "unknown GX exception")
    return None


def _plain(value: Any) -> Any:
    """numpy scalars and tuples from GX results as JSON-friendly values."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _expectation_result(result: Any, suite_name: str, keyed: bool) -> GxExpectationResult:
    """One expectation's result; GxInfrastructureError when GX could not evaluate it."""
    config = result.expectation_config
    message = _raised(result.exception_info)
    if message is not None:
        raise GxInfrastructureError(
            f"GX could not evaluate {config.type} {dict(config.kwargs)} in suite "
            f"{suite_name}: {message}"
        )
    detail = dict(result.result or {})
    meta = dict(config.meta or {})
    return GxExpectationResult(
        expectation_type=config.type,
        column=config.kwargs.get("column"),
        severity=meta.get("severity", "critical"),
        description=meta.get("description", ""),
        success=bool(result.success),
        unexpected_count=detail.get("unexpected_count"),
        unexpected_percent=detail.get("unexpected_percent"),
        partial_unexpected=_plain(detail.get("partial_unexpected_list", []))[:_SAMPLE],
        sample_keys=_plain(detail.get("partial_unexpected_index_list", []))[:_SAMPLE]
        if keyed
        else [],
        observed_value=_plain(detail.get("observed_value")),
    )


def _docs_path(context: Any, identifier: Any, suite_name: str) -> Path | None:
    """Render the Data Docs page of a validation run (what GX's UpdateDataDocsAction does)
    and return it (None when the site is not a file)."""
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
    )

    context.build_data_docs(
        resource_identifiers=[identifier, ExpectationSuiteIdentifier(name=suite_name)]
    )
    urls = context.get_docs_sites_urls(resource_identifier=identifier)
    if urls and urls[0].get("site_url", "").startswith("file://"):
        return Path(urls[0]["site_url"].removeprefix("file://"))
    return None


# Where GX keeps one folder per validation run, <suite>/<run name>/<run time>/ (the file
# stores of its default file-mode project): the results, and the Data Docs pages rendered
# from them. Every refresh adds to both (docs/operations.md#retention).
_RESULT_STORES = (
    (PurePath("gx/uncommitted/validations"), "*.json"),
    (PurePath("gx/uncommitted/data_docs/local_site/validations"), "*.html"),
)


def stale_runs(run_dirs: Iterable[PurePath], keep: int) -> list[PurePath]:
    """The validation-run folders (`<suite>/<run name>/<run time>`, relative to a store) to
    delete: all but the newest `keep` of each suite. GX names run times
    `YYYYMMDDTHHMMSS.ffffffZ`, so their names sort by time."""
    by_suite: dict[PurePath, list[PurePath]] = defaultdict(list)
    for run in run_dirs:
        by_suite[run.parent.parent].append(run)
    stale = []
    for runs in by_suite.values():
        runs.sort(key=lambda run: (run.name, run.parent.name))
        stale += runs[:-keep]
    return sorted(stale)


def prune_results(gx_dir: Path, suite_name: str, keep: int) -> list[Path]:
    """Delete all but the newest `keep` stored results and Data Docs pages of the suite;
    returns the deleted folders. Call with the store lock held."""
    deleted = []
    for store, pattern in _RESULT_STORES:
        root = gx_dir / store
        suite_dir = root / suite_name
        runs = {f.parent.relative_to(root) for f in suite_dir.glob(f"*/*/{pattern}")}
        for run in stale_runs(runs, keep):
            shutil.rmtree(root / run)
            deleted.append(root / run)
    return deleted


def validate_dataframe(
    df: pd.DataFrame,
    suite_name: str,
    settings: Settings,
    *,
    key_columns: list[str] | None = None,
    docs: str = "always",
    suites_dir: Path | None = None,
) -> GxOutcome:
    """Validate `df` against `expectations/<suite_name>.json`.

    `key_columns` are reported for failing rows (GX `unexpected_index_column_names`), e.g.
    `["source_row"]`; `docs`: render the run's Data Docs page `always`, only when an
    expectation failed (`on_failure`: the result of every run is stored either way, and
    rendering costs a tenth of a second or more per run) or `never`; `suites_dir` replaces
    `expectations/` (tests). Raises GxInfrastructureError when any expectation could not be
    evaluated."""
    spec = load_suite_spec(suite_name, suites_dir)
    gx_dir = str(settings.gx_dir)
    key_columns = [k for k in (key_columns or []) if k in df.columns]
    with _store_lock(gx_dir):
        context = _context(gx_dir)
        checkpoint = _checkpoint(context, spec, key_columns, gx_dir)
    try:
        run = checkpoint.run(batch_parameters={"dataframe": df})
    except Exception as exc:  # GX raises many unrelated types; all mean "could not validate"
        raise GxInfrastructureError(f"GX suite {suite_name} failed to run: {exc}") from exc
    (identifier, validation), *_ = run.run_results.items()
    results = [
        _expectation_result(result, suite_name, bool(key_columns)) for result in validation.results
    ]
    passed = sum(r.success for r in results)
    render = docs == "always" or (docs == "on_failure" and passed < len(results))
    docs_path = None
    with _store_lock(gx_dir):
        # Pruned before rendering, so the Data Docs index lists only the results kept.
        prune_results(settings.gx_dir, suite_name, settings.keep_gx_results)
        if render:
            docs_path = _docs_path(context, identifier, suite_name)
    return GxOutcome(
        suite_name=suite_name,
        success=not any(not r.success and r.severity == "critical" for r in results),
        success_percent=100.0 * passed / len(results) if results else 100.0,
        results=tuple(results),
        data_docs_path=docs_path,
    )
