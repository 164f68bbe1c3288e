"""The replication report: `python -m orchestration.report.replication` (what `make report` runs).

Reads the *published* marts (serve/citygvc.duckdb, read only — what BI tools see) and writes
`report/replication.png` and `report/replication.html` under the data directory: the Kunshan vs
Dongguan series of the seed study (ICT share of manufacturing, the ICT segment mix, FDI
dependency 2000–2020) with their flags, whether each of the seed's findings holds, and both
cities' economic complexity (ECI, the mean relatedness density of the ICT groups). The
verdicts are computed from the published values against the thresholds the seed states; no
outcome is written down here. Same published files → byte-identical report.

Modules: `findings` (the seed's conditions and their evaluation), `plots` (the figure), `page`
(the HTML page), this one (`write_report` and the command line).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.report.findings import FindingResult, evaluate, load_data, summary
from orchestration.report.page import PNG_NAME, SERVED_DB, render_html
from orchestration.report.plots import draw_figure
from orchestration.settings import Settings

REPORT_DIR = "report"
HTML_NAME = "replication.html"


@dataclass(frozen=True)
class ReportOutcome:
    png: Path
    page: Path
    results: tuple[FindingResult, ...]


def write_report(settings: Settings, out_dir: Path | None = None) -> ReportOutcome:
    """Write the PNG and HTML report from the published marts."""
    served = settings.serve_dir / SERVED_DB
    if not served.exists():
        raise FileNotFoundError(f"no published marts at {served}: run `make run` first")
    manifest_path = settings.serve_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    with duckdb.connect(str(served), read_only=True) as con:
        data = load_data(con)
    results = tuple(evaluate(data))
    out = out_dir or settings.data_dir / REPORT_DIR
    out.mkdir(parents=True, exist_ok=True)
    png, page = out / PNG_NAME, out / HTML_NAME
    draw_figure(data, results, png, f"publish {manifest.get('publish_id', 'unknown')}")
    page.write_text(render_html(data, results, manifest), encoding="utf-8")
    return ReportOutcome(png, page, results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.report.replication",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out", type=Path, help="output folder (default: $CITYGVC_DATA_DIR/report)"
    )
    args = parser.parse_args(argv)
    try:
        outcome = write_report(Settings.from_env(), args.out)
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(summary(outcome.results))
    for result in outcome.results:
        print(f"  [{result.verdict}] {result.finding.text}")
        for evidence in result.evidence:
            print(f"      {evidence.describe()}")
    print(f"figure: {outcome.png}")
    print(f"page:   {outcome.page}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
