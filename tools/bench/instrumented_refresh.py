"""`python -m tools.bench.instrumented_refresh`: exactly `python -m orchestration.refresh`,
with wall-clock timers around the phases of each release's ingest, so the bench can say how
much of a refresh is reading files, release checks, GX and writing rows.

Timers wrap module attributes (nothing in the refresh changes); totals go to the JSON file
named by $CITYGVC_BENCH_TIMINGS when the refresh ends:
- `land`: verify and land the release's files; `read`: the readers;
- `checks`: the release checks, including `gx_ingest` (the raw GX suite inside them) and the
  previous-release lookup;
- `write`: Arrow → raw.* inserts;
- `gx_layer_validate`: GX validation inside the asset checks on staging and marts (the
  step's SQL query is not included; the Dagster step time is).
A name that no longer exists is listed under `not_instrumented` instead of failing.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

# (module, attribute, category). release_checks binds gx_validation.validate_dataframe at
# import, so its name is wrapped as `gx_ingest` before gx_validation's own name is wrapped as
# `gx_layer_validate` (which the asset checks import at call time): nothing counts twice.
PATCHES = (
    ("orchestration.ingest.load", "verify_and_land", "land"),
    ("orchestration.ingest.load", "_read", "read"),
    ("orchestration.ingest.load", "previous_asif_release", "checks"),
    ("orchestration.ingest.load", "run_asif_checks", "checks"),
    ("orchestration.ingest.load", "run_fdi_checks", "checks"),
    ("orchestration.ingest.release_checks", "validate_dataframe", "gx_ingest"),
    ("orchestration.ingest.load", "_insert_asif", "write"),
    ("orchestration.ingest.load", "_insert_fdi", "write"),
    ("orchestration.ingest.gx", "validate_dataframe", "gx_layer_validate"),
)

seconds: dict[str, float] = defaultdict(float)
calls: dict[str, int] = defaultdict(int)


def _timed(category: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[category] += time.perf_counter() - start
            calls[category] += 1

    return wrapper


def instrument() -> list[str]:
    """Wrap every name in PATCHES; returns the ones that could not be found."""
    missing = []
    for module_name, attribute, category in PATCHES:
        module = importlib.import_module(module_name)
        function = getattr(module, attribute, None)
        if function is None:
            missing.append(f"{module_name}.{attribute}")
            continue
        setattr(module, attribute, _timed(category, function))
    return missing


def main() -> int:
    missing = instrument()
    from orchestration.refresh import main as refresh_main

    try:
        return refresh_main(sys.argv[1:])
    finally:
        target = os.environ.get("CITYGVC_BENCH_TIMINGS")
        if target:
            report = {"seconds": dict(seconds), "calls": dict(calls), "not_instrumented": missing}
            with open(target, "w") as fh:
                json.dump(report, fh, indent=1, sort_keys=True)


if __name__ == "__main__":
    sys.exit(main())
