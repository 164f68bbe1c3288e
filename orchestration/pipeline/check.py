"""`citygvc check [CATALOG]`: a dry run of the release checks (docs/catalog.md).

For every release a refresh would ingest — and every quarantined one, since a dry run costs
nothing — it fetches the files into a temporary folder outside the data directory, verifies
size and sha256 (and that a landed copy, if any, still matches), reads them and runs the
release checks and the GX raw suite on the frames in memory, exactly as the ingest does. It
never opens the warehouse (a refresh may hold it) and writes nothing under the data
directory: the previous-release comparisons come from the writer's record, state.json, GX
runs in a throw-away context, and landing/ and quarantine/ are left alone. Releases are
checked in the order a refresh ingests them, so a revision is compared with the one it
follows even when that one is only in the catalog yet.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.ingest.caps import over_cap
from orchestration.ingest.catalog import (
    CatalogSource,
    FetchError,
    Release,
    ReleaseFile,
    file_sha256,
)
from orchestration.ingest.checks import (
    CheckFailure,
    CheckReport,
    PreviousRelease,
    run_asif_checks,
    run_fdi_checks,
)
from orchestration.ingest.landing import landing_path
from orchestration.ingest.load import PREVIOUS_YEAR_WINDOW
from orchestration.ingest.readers import (
    AsifFrame,
    FdiFrame,
    ReadError,
    read_asif_file,
    read_fdi_city,
)
from orchestration.pipeline.plan import RecordedRelease
from orchestration.settings import Settings


@dataclass(frozen=True)
class FileMapping:
    """How one file was read: rows, the raw header each canonical column came from, and the
    columns it could not place."""

    file: str
    rows: int
    sources: dict[str, str]
    missing: tuple[str, ...]
    unmapped: tuple[str, ...]
    ambiguous: tuple[str, ...] = ()
    # Canonical column → the unit suffix found on its header (values already rescaled).
    units: dict[str, str] = field(default_factory=dict)
    # A workbook's sheets with data that hold no firms → their data rows.
    sheets_not_read: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, frame: AsifFrame | FdiFrame) -> FileMapping:
        if isinstance(frame, AsifFrame):
            return cls(
                frame.file,
                frame.num_rows,
                dict(frame.column_sources),
                tuple(frame.missing_required),
                tuple(frame.unmapped_columns),
                tuple(frame.ambiguous_columns),
                dict(frame.column_units),
                dict(frame.sheets_not_read),
            )
        return cls(
            frame.file,
            frame.num_rows,
            {},
            tuple(frame.missing_required),
            tuple(frame.unmapped_columns),
        )


@dataclass
class Verdict:
    """What a refresh would do with one release: load `rows` rows, or quarantine it for
    `failures` (the first is the reason a refresh would record)."""

    release: Release
    rows: int = 0
    failures: list[CheckFailure] = field(default_factory=list)
    files: list[FileMapping] = field(default_factory=list)
    previous: PreviousRelease | None = None

    @property
    def would_load(self) -> bool:
        return not self.failures


def previous_from_record(
    recorded: dict[str, RecordedRelease], release: Release
) -> PreviousRelease | None:
    """`orchestration.ingest.load.previous_asif_release` on the writer's record: the highest
    loaded lower revision of the period, else the newest loaded revision of the nearest
    earlier year within PREVIOUS_YEAR_WINDOW years."""
    candidates = [
        r
        for r in recorded.values()
        if r.dataset == "asif"
        and r.status == "loaded"
        and r.release_id != release.release_id
        and r.period is not None
        and r.revision is not None
        and (
            (r.period == release.period and r.revision < release.revision)
            or (release.period - PREVIOUS_YEAR_WINDOW <= r.period < release.period)
        )
    ]
    if not candidates:
        return None
    best = max(candidates, key=lambda r: (r.period, r.revision))
    if best.rows_loaded is None:
        return None
    return PreviousRelease(
        release_id=best.release_id,
        period=best.period or 0,
        revision=best.revision or 0,
        row_count=best.rows_loaded,
        kind="revision" if best.period == release.period else "year",
        median_gross_output=best.median_gross_output,
    )


def _fail(verdict: Verdict, reason: str, message: str, file: str | None = None) -> Verdict:
    text = f"release {verdict.release.release_id}: {message}"
    verdict.failures.append(CheckFailure(reason, text, file))
    return verdict


def _verify(temp: Path, file: ReleaseFile) -> tuple[str, str] | None:
    """The size and sha256 checks of the landing step, on a downloaded copy."""
    size = temp.stat().st_size
    if size != file.bytes:
        got = f"more than {file.bytes} bytes" if size > file.bytes else f"{size} bytes"
        return "size_mismatch", f"{file.path}: catalog says {file.bytes} bytes, got {got}"
    sha = file_sha256(temp)
    if sha != file.sha256:
        return "sha256_mismatch", f"{file.path}: catalog sha256 {file.sha256}, file has {sha}"
    return None


def _fetch(
    source: CatalogSource, settings: Settings, verdict: Verdict, work: Path
) -> list[tuple[Path, ReleaseFile]] | None:
    """The release's files, verified, in `work`; None when one fails (recorded in verdict).
    A landed copy is read where it is (never modified); a conflicting one fails as in a
    refresh (landing_conflict)."""
    fetched = []
    for index, file in enumerate(verdict.release.files):
        landed = landing_path(settings, verdict.release, file)
        if landed.exists():
            if landed.stat().st_size != file.bytes or file_sha256(landed) != file.sha256:
                _fail(
                    verdict,
                    "landing_conflict",
                    f"{file.path}: already landed at {landed} with other bytes; landed "
                    "files are never replaced (add the corrected file as a new revision)",
                    file.path,
                )
                return None
            fetched.append((landed, file))
            continue
        temp = work / f"{index}-{file.path.rsplit('/', 1)[-1]}"
        try:
            source.fetch_file(file.path, temp, max_bytes=file.bytes)
        except FetchError as exc:
            _fail(verdict, "file_unavailable", str(exc), file.path)
            return None
        problem = _verify(temp, file)
        if problem is not None:
            _fail(verdict, problem[0], problem[1], file.path)
            return None
        fetched.append((temp, file))
    return fetched


def _run_checks(
    verdict: Verdict, fetched: list[tuple[Path, ReleaseFile]], gx_settings: Settings
) -> CheckReport | None:
    """Read the files and run the release checks; None when a file cannot be read."""
    release = verdict.release
    try:
        if release.dataset == "asif":
            frames = [t for p, f in fetched for t in read_asif_file(p, f.format, file=f.path)]
            verdict.files = [FileMapping.of(frame) for frame in frames]
            return run_asif_checks(frames, release, verdict.previous, gx_settings)
        pairs = [(read_fdi_city(path, f.format, file=f.path), f) for path, f in fetched]
        verdict.files = [FileMapping.of(frame) for frame, _ in pairs]
        return run_fdi_checks(pairs, release, gx_settings)
    except ReadError as exc:
        text = f"release {release.release_id}: {exc}"  # as the ingest words it
        verdict.failures.append(CheckFailure(exc.reason, text, exc.file, exc.column, exc.row))
        return None


def check_release(
    source: CatalogSource,
    settings: Settings,
    release: Release,
    recorded: dict[str, RecordedRelease],
    work: Path,
) -> Verdict:
    """Every release-level check of `release`, in memory; `work` holds the downloads and the
    throw-away GX context (a folder outside the data directory)."""
    verdict = Verdict(release)
    if release.dataset == "asif":
        verdict.previous = previous_from_record(recorded, release)
    too_large = over_cap(release, settings)
    if too_large is not None:  # refused before any download, as the refresh does
        verdict.failures.append(CheckFailure(too_large.reason, too_large.message, too_large.file))
        return verdict
    folder = work / release.release_id
    folder.mkdir(parents=True, exist_ok=True)
    try:
        fetched = _fetch(source, settings, verdict, folder)
        gx_settings = dataclasses.replace(settings, data_dir=work / "scratch-data")
        report = None if fetched is None else _run_checks(verdict, fetched, gx_settings)
    finally:
        # A national year is hundreds of MB: one release's downloads at a time.
        shutil.rmtree(folder, ignore_errors=True)
    if report is None:
        return verdict
    verdict.failures.extend(report.failures)
    verdict.rows = sum(f.rows for f in verdict.files)
    if verdict.would_load:
        median = next((s.value for s in report.stats if s.metric == "median_gross_output"), None)
        recorded[release.release_id] = RecordedRelease(
            release.release_id,
            release.dataset,
            release.content_sha256,
            "loaded",
            None,
            release.period,
            release.revision,
            verdict.rows,
            median,
        )
    return verdict


def releases_to_check(
    releases: Sequence[Release], recorded: dict[str, RecordedRelease]
) -> list[Release]:
    """Every release not recorded as loaded, in the order a refresh ingests them."""
    todo = [
        r
        for r in releases
        if r.release_id not in recorded or recorded[r.release_id].status != "loaded"
    ]
    return sorted(todo, key=lambda r: (r.dataset, r.period, r.revision, r.release_id))


def check_releases(
    source: CatalogSource,
    settings: Settings,
    releases: Sequence[Release],
    recorded: dict[str, RecordedRelease],
) -> list[Verdict]:
    """The verdicts of `releases`, checked one after the other in a temporary folder (the
    frames of one release are dropped before the next is read)."""
    recorded = dict(recorded)
    with tempfile.TemporaryDirectory(prefix="citygvc-check-") as work:
        return [check_release(source, settings, r, recorded, Path(work)) for r in releases]
