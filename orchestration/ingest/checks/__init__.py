"""Release-level checks (docs/quality-gates.md): run inside a release's ingest before any row is
written; any failure quarantines that release alone.

Checks, in the order their failures are reported (the first one becomes the quarantine
reason):
- structure: required columns present; numbers parse; required values present;
- codes: formats (location 6 or 12 digits in any year; industry 4; registration 3) and
  codes unknown to the seeds, each against a rate threshold;
- values: value ranges (what the warehouse types hold), non-positive gross output;
- release: row-count band against the previous revision or year, unit scale (median gross
  output against absolute bounds and the previous release), the duplicate rule (a firm_id
  on differing rows is resolved; more than 1 % of rows dropped by it fails);
- the GX raw suite (critical expectations block).
Thresholds are module constants (`asif`, `asif_release`), listed in the README's guard table.

Modules: `common` (failures, stats, the report and its helpers, the GX run), `codes` (the
seed code lists), `asif` (per-file rules and the entry points), `asif_release` (the
release-wide ASIF rules), `fdi_city`: each dataset's rules as small named functions.
"""

from orchestration.ingest.checks.asif import check_asif_release, own_asif_checks, run_asif_checks
from orchestration.ingest.checks.asif_release import (
    PreviousRelease,
    compare_with_previous,
    previous_from_count,
)
from orchestration.ingest.checks.common import CheckFailure, CheckReport, Stat
from orchestration.ingest.checks.fdi_city import check_fdi_release, run_fdi_checks

__all__ = [
    "CheckFailure",
    "CheckReport",
    "PreviousRelease",
    "Stat",
    "check_asif_release",
    "check_fdi_release",
    "compare_with_previous",
    "own_asif_checks",
    "previous_from_count",
    "run_asif_checks",
    "run_fdi_checks",
]
