"""`citygvc check [CATALOG]`: read the catalog and the writer's record (state.json), dry-run the
release checks (`check`), and print per release what a refresh would load — rows, and the raw
header each canonical column was read from — or quarantine, with every failure's release,
file, column and row. Exit status as the refresh's: 0 everything would load, 3 something would
be quarantined or a catalog entry is rejected, 2 the catalog is invalid or unreachable."""

from __future__ import annotations

from collections.abc import Callable

from orchestration.ingest.catalog import CatalogError, open_catalog, validate_catalog
from orchestration.ingest.readers.headers import UNITS
from orchestration.pipeline.check import FileMapping, Verdict, check_releases, releases_to_check
from orchestration.pipeline.plan import read_state
from orchestration.settings import Settings

# The refresh's exit statuses (orchestration/pipeline/refresh.py, docs/settings.md), kept
# here so the dry run does not import Dagster.
EXIT_OK, EXIT_CATALOG, EXIT_QUARANTINED = 0, 2, 3


def _unit_note(mapping: FileMapping, canonical: str) -> str:
    """` [万元 → ×10]`: the unit suffix on the header and how the values were rescaled."""
    unit = mapping.units.get(canonical)
    if unit is None:
        return ""
    factor = UNITS[unit].factor if unit in UNITS else 1.0
    return f" [{unit}]" if factor == 1 else f" [{unit} → ×{factor:g}]"


def _file_lines(mapping: FileMapping) -> list[str]:
    lines = [f"  {mapping.file}: {mapping.rows:,} rows"]
    width = max((len(c) for c in mapping.sources), default=0)
    for canonical, raw in mapping.sources.items():
        lines.append(f"    {canonical:<{width}} ← {raw}{_unit_note(mapping, canonical)}")
    if mapping.missing:
        lines.append(f"    missing required: {', '.join(mapping.missing)}")
    if mapping.ambiguous:
        lines.append(f"    ambiguous (first one used): {', '.join(mapping.ambiguous)}")
    if mapping.unmapped:
        lines.append(f"    not mapped (kept as extra columns): {', '.join(mapping.unmapped)}")
    if mapping.sheets_not_read:
        sheets = ", ".join(
            f"{s} ({n:,} row{'' if n == 1 else 's'})" for s, n in mapping.sheets_not_read.items()
        )
        lines.append(f"    sheets not read (their header names no firm columns): {sheets}")
    return lines


def _previous_line(verdict: Verdict) -> str | None:
    if verdict.release.dataset != "asif":
        return None
    previous = verdict.previous
    if previous is None:
        return "  compared with: no earlier loaded release (absolute unit bounds only)"
    median = previous.median_gross_output
    return (
        f"  compared with: {previous.release_id} ({previous.kind}), {previous.row_count:,} "
        f"rows, median gross output {median:,.1f}"
        if median is not None
        else f"  compared with: {previous.release_id} ({previous.kind}), "
        f"{previous.row_count:,} rows"
    )


def verdict_lines(verdict: Verdict) -> list[str]:
    """One release: the verdict, each failure (where it is: release, file, column, row),
    the comparison, and each file's column mapping."""
    release = verdict.release
    head = f"{release.release_id} ({release.dataset} {release.period}, revision {release.revision})"
    if verdict.would_load:
        lines = [f"{head}: would load {verdict.rows:,} rows"]
    else:
        lines = [f"{head}: would be QUARANTINED ({verdict.failures[0].reason_code})"]
        lines += [f"  {f.reason_code}: {f.message}" for f in verdict.failures]
    previous = _previous_line(verdict)
    if previous is not None:
        lines.append(previous)
    for mapping in verdict.files:
        lines += _file_lines(mapping)
    return lines


def dry_run(settings: Settings, location: str, echo: Callable[[str], None] = print) -> int:
    """Check every release of the catalog at `location` that is not loaded yet; print and
    return the exit status."""
    try:
        source = open_catalog(location)
        doc = source.read_catalog()
    except CatalogError as exc:
        echo(f"catalog rejected: {exc}")
        return EXIT_CATALOG
    recorded = read_state(settings)
    loaded = {k: v.sha256 for k, v in recorded.items() if v.status == "loaded"}
    releases, rejections = validate_catalog(doc, loaded)
    todo = releases_to_check(releases, recorded)
    echo(
        f"catalog: {source.describe()}: {len(releases)} valid entries, {len(rejections)} "
        f"rejected, {len(todo)} not loaded yet to check (dry run: nothing is written)"
    )
    for rejection in rejections:
        echo(
            f"rejected catalog entry {rejection.raw_release_id!r}: "
            f"{rejection.reason}: {rejection.detail}"
        )
    try:
        verdicts = check_releases(source, settings, todo, recorded)
    except CatalogError as exc:
        echo(f"catalog unreachable: {exc}")
        return EXIT_CATALOG
    for verdict in verdicts:
        for line in verdict_lines(verdict):
            echo(line)
    quarantined = [v.release.release_id for v in verdicts if not v.would_load]
    echo(
        f"would load {len(verdicts) - len(quarantined)}, would quarantine {len(quarantined)}"
        + (f" ({', '.join(quarantined)})" if quarantined else "")
        + f", catalog entries rejected {len(rejections)}"
    )
    return EXIT_QUARANTINED if quarantined or rejections else EXIT_OK
