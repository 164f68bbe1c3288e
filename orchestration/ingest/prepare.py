"""The part of a release's ingest that needs nothing from the warehouse: read its landed files,
run the checks a release passes or fails on its own (GX included) and, when it passes them,
write its raw rows into a private folder. `ingest.batch` runs it for several releases in
worker processes; `ingest.load` finishes each release in the one warehouse writer (the
comparison with the previous release, then put the rows in place or quarantine)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from orchestration.ingest.checks import CheckReport, own_asif_checks, run_fdi_checks
from orchestration.ingest.landing import LandedRelease
from orchestration.ingest.readers import ReadError, read_asif_file, read_fdi_city
from orchestration.ingest.write import stage_raw
from orchestration.settings import Settings
from orchestration.warehouse.raw_store import StagedRaw


@dataclass
class Prepared:
    """A landed release read and checked on its own: its report and, when it passed, its
    staged raw rows; or the error that stopped its reading. `phase_seconds`: read, checks
    (GX excluded), gx, write (staging the raw rows)."""

    landed: LandedRelease
    report: CheckReport | None = None
    staged: StagedRaw | None = None
    read_error: ReadError | None = None
    phase_seconds: dict[str, float] = field(default_factory=dict)


def _read(landed: LandedRelease) -> list[Any]:
    if landed.release.dataset == "asif":
        # a workbook whose firms fill several sheets gives a frame per sheet
        return [t for f in landed.files for t in read_asif_file(f.path, f.file.format, f.file.path)]
    return [(read_fdi_city(f.path, f.file.format, file=f.file.path), f.file) for f in landed.files]


def prepare_release(landed: LandedRelease, settings: Settings, run_gx: bool = True) -> Prepared:
    """Read `landed` and run its own checks (GX when `run_gx` and the rest passed)."""
    prepared = Prepared(landed)
    start = time.perf_counter()
    try:
        frames = _read(landed)
    except ReadError as exc:
        prepared.read_error = exc
        return prepared
    finally:
        prepared.phase_seconds["read"] = time.perf_counter() - start
    start = time.perf_counter()
    gx_settings = settings if run_gx else None
    if landed.release.dataset == "asif":
        report = own_asif_checks(frames, landed.release, gx_settings)
    else:
        report = run_fdi_checks(frames, landed.release, gx_settings)
    prepared.phase_seconds["checks"] = time.perf_counter() - start - report.gx_seconds
    if report.gx:
        prepared.phase_seconds["gx"] = report.gx_seconds
    prepared.report = report
    if report.passed:
        # Only the folder's name goes back to the writer, not the frames.
        start = time.perf_counter()
        prepared.staged = stage_raw(settings, landed.release, frames)
        prepared.phase_seconds["write"] = time.perf_counter() - start
    return prepared
