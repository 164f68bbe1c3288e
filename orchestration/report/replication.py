"""The replication report: `python -m orchestration.report.replication` (what `make report` runs).

Reads the *published* marts (serve/citygvc.duckdb, read only — what BI tools see) and writes
`report/replication.png` and `report/replication.html` under the data directory: the Kunshan vs
Dongguan series of the seed study (ICT share of manufacturing, the ICT segment mix, FDI
dependency 2000–2020) with their flags, and whether each of the seed's findings holds. The
verdicts are computed from the published values against the thresholds the seed states; no
outcome is written down here. Same published files → byte-identical report.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.report.series import CITIES, CITY_COLOURS, DONGGUAN, KUNSHAN, city_series
from orchestration.settings import Settings

REPORT_DIR = "report"
PNG_NAME = "replication.png"
HTML_NAME = "replication.html"
SERVED_DB = "citygvc.duckdb"

ICT_SHARE = ("ict_share_mfg_output", "asif", "total")
FDI_ASIF = ("fdi_dependency_ict_va", "asif", "total")
FDI_CITY = ("fdi_dependency_ict_va", "fdi_city", "total")
SEGMENT_INDICATOR = "ict_segment_share"
# DESIGN §5 order (upstream to downstream of the value chain); unknown ids follow sorted.
SEGMENTS = (
    "computers",
    "parts_peripherals",
    "telecom_equipment",
    "handsets",
    "consumer_electronics",
    "components_devices",
    "other_ict",
)
SEGMENT_COLOURS = ("#4c72b0", "#8fb0d9", "#55a868", "#a6d49f", "#c44e52", "#dd8452", "#b3b3b3")
# The windows the seed study looks at.
ASIF_YEARS = (1998, 2013)
FDI_ASIF_YEARS = (2000, 2013)
FDI_CITY_YEARS = (2010, 2020)


@dataclass(frozen=True)
class Condition:
    """One measurable statement of the seed: `series` of `city` in `year` is above/below
    `threshold`."""

    city: str
    series: tuple[str, str, str]
    year: int
    above: bool
    threshold: float


@dataclass(frozen=True)
class Finding:
    text: str
    conditions: tuple[Condition, ...]


# The seed's findings (seed/local-governments-ict-gvc-summary.txt) as thresholds.
FINDINGS = (
    Finding(
        "Kunshan's ICT share of manufacturing output rose from under 20 % in 2000 to over 60 % "
        "in 2009.",
        (
            Condition(KUNSHAN, ICT_SHARE, 2000, above=False, threshold=0.20),
            Condition(KUNSHAN, ICT_SHARE, 2009, above=True, threshold=0.60),
        ),
    ),
    Finding(
        "Dongguan's ICT share of manufacturing output fell from over 40 % in 2000 to under 30 % "
        "in 2009.",
        (
            Condition(DONGGUAN, ICT_SHARE, 2000, above=True, threshold=0.40),
            Condition(DONGGUAN, ICT_SHARE, 2009, above=False, threshold=0.30),
        ),
    ),
    Finding(
        "Dongguan's FDI dependency of ICT value added fell from over 80 % in 2010 to under 30 % "
        "in 2020.",
        (
            Condition(DONGGUAN, FDI_CITY, 2010, above=True, threshold=0.80),
            Condition(DONGGUAN, FDI_CITY, 2020, above=False, threshold=0.30),
        ),
    ),
    Finding(
        "Kunshan's FDI dependency of ICT value added stayed over 80 % (2010 and 2020).",
        (
            Condition(KUNSHAN, FDI_CITY, 2010, above=True, threshold=0.80),
            Condition(KUNSHAN, FDI_CITY, 2020, above=True, threshold=0.80),
        ),
    ),
)

HOLDS, FAILS, UNKNOWN = "holds", "does not hold", "cannot be checked"


@dataclass(frozen=True)
class Evidence:
    condition: Condition
    value: float | None
    obs_status: str | None
    conf_status: str | None
    verdict: str

    def describe(self) -> str:
        name = CITIES[self.condition.city]
        bound = f"{'>' if self.condition.above else '<'} {self.condition.threshold * 100:.0f} %"
        if self.obs_status is None:
            observed = "no published value"
        elif self.value is None:
            reason = (
                f"suppressed ({self.conf_status})"
                if self.conf_status in ("C", "D")
                else f"not computable ({self.obs_status})"
            )
            observed = reason
        else:
            observed = f"{self.value * 100:.1f} % ({self.obs_status})"
        return f"{name} {self.condition.year}: {observed}, needs {bound}"


@dataclass(frozen=True)
class FindingResult:
    finding: Finding
    evidence: tuple[Evidence, ...]

    @property
    def verdict(self) -> str:
        verdicts = {e.verdict for e in self.evidence}
        if FAILS in verdicts:
            return FAILS
        return UNKNOWN if UNKNOWN in verdicts else HOLDS


@dataclass(frozen=True)
class ReportData:
    ict_share: pd.DataFrame
    fdi_asif: pd.DataFrame
    fdi_city: pd.DataFrame
    segments: pd.DataFrame
    indicators: pd.DataFrame


def _window(frame: pd.DataFrame, years: tuple[int, int]) -> pd.DataFrame:
    return frame[(frame["year"] >= years[0]) & (frame["year"] <= years[1])].reset_index(drop=True)


def load_data(con: duckdb.DuckDBPyConnection) -> ReportData:
    indicators = con.execute(
        "select indicator_id, title, formula, caveats from marts.dim_indicator "
        "where indicator_id in (?, ?, ?) order by indicator_id",
        [ICT_SHARE[0], SEGMENT_INDICATOR, FDI_CITY[0]],
    ).df()
    return ReportData(
        ict_share=_window(city_series(con, *ICT_SHARE[:2]), ASIF_YEARS),
        fdi_asif=_window(city_series(con, *FDI_ASIF[:2]), FDI_ASIF_YEARS),
        fdi_city=_window(city_series(con, *FDI_CITY[:2]), FDI_CITY_YEARS),
        segments=_window(city_series(con, SEGMENT_INDICATOR, "asif", None), ASIF_YEARS),
        indicators=indicators,
    )


def _frame_for(data: ReportData, series: tuple[str, str, str]) -> pd.DataFrame:
    return {ICT_SHARE: data.ict_share, FDI_ASIF: data.fdi_asif, FDI_CITY: data.fdi_city}[series]


def evaluate(data: ReportData) -> list[FindingResult]:
    """Each finding of the seed against the published values."""
    results = []
    for finding in FINDINGS:
        evidence = []
        for cond in finding.conditions:
            frame = _frame_for(data, cond.series)
            hit = frame[(frame["city_code"] == cond.city) & (frame["year"] == cond.year)]
            if hit.empty:
                evidence.append(Evidence(cond, None, None, None, UNKNOWN))
                continue
            row = hit.iloc[0]
            value = None if pd.isna(row["value"]) else float(row["value"])
            if value is None:
                verdict = UNKNOWN
            elif cond.above:
                verdict = HOLDS if value > cond.threshold else FAILS
            else:
                verdict = HOLDS if value < cond.threshold else FAILS
            evidence.append(Evidence(cond, value, row["obs_status"], row["conf_status"], verdict))
        results.append(FindingResult(finding, tuple(evidence)))
    return results


def summary(results: Sequence[FindingResult]) -> str:
    held = [r for r in results if r.verdict == HOLDS]
    failed = [r for r in results if r.verdict == FAILS]
    unknown = [r for r in results if r.verdict == UNKNOWN]
    if len(held) == len(results):
        return f"All {len(results)} of the seed's findings hold in the published marts."
    parts = [f"{len(held)} of {len(results)} of the seed's findings hold in the published marts"]
    if failed:
        parts.append(f"{len(failed)} {'does' if len(failed) == 1 else 'do'} not hold")
    if unknown:
        parts.append(f"{len(unknown)} cannot be checked (values missing or suppressed)")
    return "; ".join(parts) + "."


def segment_leaders(data: ReportData) -> list[str]:
    """Sentences on each city's largest ICT segment in the first and last year with segment
    data — the seed's contrast of Kunshan's computer specialisation and Dongguan's mix."""
    sentences = []
    frame = data.segments.dropna(subset=["value"])
    for city, name in CITIES.items():
        rows = frame[frame["city_code"] == city]
        if rows.empty:
            sentences.append(f"{name}: no published segment shares.")
            continue
        parts = []
        for year in sorted({int(rows["year"].min()), int(rows["year"].max())}):
            year_rows = rows[rows["year"] == year].sort_values(
                ["value", "breakdown"], ascending=[False, True]
            )
            top = year_rows.iloc[0]
            parts.append(
                f"{top['breakdown'].replace('_', ' ')} {top['value'] * 100:.1f} % in {year}"
            )
        sentences.append(f"{name}'s largest published ICT segment: {'; '.join(parts)}.")
    return sentences


# Figure -------------------------------------------------------------------------------------

FLAG_MARKERS = {
    "B": ("s", "break in series (B)"),
    "E": ("^", "value added imputed (E)"),
    "P": ("D", "provisional (P)"),
}


def _flags(row: pd.Series) -> set[str]:
    return set(filter(None, str(row["obs_flags"] or "").replace(" ", "").split(",")))


def _plot_series(axis, frame: pd.DataFrame, city: str, linestyle: str, label: str) -> None:
    rows = frame[frame["city_code"] == city]
    colour = CITY_COLOURS[city]
    values = rows["value"].astype(float) * 100
    axis.plot(
        rows["year"],
        values,
        color=colour,
        linestyle=linestyle,
        marker="o",
        markersize=3,
        label=label,
    )
    for _, row in rows.iterrows():
        if pd.isna(row["value"]):
            # Suppressed or not computable: an x on the axis, never a fake 0 on the line.
            axis.plot(row["year"], 0, marker="x", color=colour, markersize=6, clip_on=False)
            continue
        for flag in sorted(_flags(row) & FLAG_MARKERS.keys()):
            axis.plot(
                row["year"],
                row["value"] * 100,
                marker=FLAG_MARKERS[flag][0],
                markersize=8,
                markerfacecolor="none",
                markeredgecolor="black",
                markeredgewidth=0.8,
                linestyle="none",
            )


def _mark_conditions(axis, series: tuple[str, str, str]) -> None:
    """Draw each seed threshold as a short dashed bar at its year."""
    for finding in FINDINGS:
        for cond in finding.conditions:
            if cond.series == series:
                axis.hlines(
                    cond.threshold * 100,
                    cond.year - 0.5,
                    cond.year + 0.5,
                    colors=CITY_COLOURS[cond.city],
                    linestyles="dashed",
                    linewidth=1.2,
                )


def _flag_legend(axis) -> None:
    from matplotlib.lines import Line2D

    handles, labels = axis.get_legend_handles_labels()
    for marker, text in FLAG_MARKERS.values():
        handles.append(
            Line2D(
                [],
                [],
                marker=marker,
                linestyle="none",
                markerfacecolor="none",
                markeredgecolor="black",
                markersize=7,
            )
        )
        labels.append(text)
    handles.append(Line2D([], [], marker="x", linestyle="none", color="grey"))
    labels.append("no value (suppressed / O)")
    handles.append(Line2D([], [], linestyle="dashed", color="grey"))
    labels.append("seed threshold")
    axis.legend(handles, labels, fontsize=7, loc="best")


def draw_figure(
    data: ReportData, results: Sequence[FindingResult], path: Path, subtitle: str
) -> None:
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(12, 8.5), dpi=100, layout="constrained")
    fig.suptitle(f"Kunshan vs Dongguan — {summary(results)}\n{subtitle}", fontsize=10)
    (share_ax, fdi_ax), (seg_k, seg_d) = fig.subplots(2, 2)

    for city, name in CITIES.items():
        _plot_series(share_ax, data.ict_share, city, "solid", name)
    _mark_conditions(share_ax, ICT_SHARE)
    share_ax.set_title("ICT share of manufacturing gross output (ASIF)", fontsize=10)
    _flag_legend(share_ax)

    for city, name in CITIES.items():
        _plot_series(fdi_ax, data.fdi_asif, city, "dotted", f"{name} (ASIF, by registration)")
        _plot_series(fdi_ax, data.fdi_city, city, "solid", f"{name} (city yearbooks)")
    _mark_conditions(fdi_ax, FDI_CITY)
    fdi_ax.set_title("FDI dependency: foreign-invested share of ICT value added", fontsize=10)
    fdi_ax.legend(fontsize=7, loc="best")

    for axis in (share_ax, fdi_ax):
        axis.set_ylim(0, 100)
        axis.set_ylabel("%")
        axis.grid(alpha=0.3)

    for axis, city in ((seg_k, KUNSHAN), (seg_d, DONGGUAN)):
        _segment_bars(axis, data.segments, city)
        axis.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))

    for axis in (share_ax, fdi_ax, seg_k, seg_d):
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None})


def _segment_order(frame: pd.DataFrame) -> list[str]:
    present = set(frame["breakdown"])
    return [s for s in SEGMENTS if s in present] + sorted(present - set(SEGMENTS))


def _segment_bars(axis, frame: pd.DataFrame, city: str) -> None:
    rows = frame[frame["city_code"] == city]
    segments = _segment_order(rows)
    years = sorted(set(rows["year"]))
    bottom = pd.Series(0.0, index=years)
    for segment in segments:
        seg = rows[rows["breakdown"] == segment].set_index("year")["value"]
        values = seg.reindex(years).astype(float).fillna(0.0) * 100
        # One colour per segment id in both panels; ids beyond the contract's list are grey.
        colour = SEGMENT_COLOURS[SEGMENTS.index(segment)] if segment in SEGMENTS else "#666666"
        axis.bar(
            years,
            values.values,
            bottom=bottom.values,
            width=0.8,
            color=colour,
            label=segment.replace("_", " "),
        )
        bottom = bottom + values
    # The year's status letter above its bar when it is not plain A (B, E, P, O; C/D hidden).
    for year in years:
        statuses = rows[rows["year"] == year]
        status = _worst_status(statuses)
        if status != "A":
            axis.text(year, min(bottom[year], 100) + 1.5, status, ha="center", fontsize=7)
    axis.set_title(
        f"{CITIES[city]}: ICT segment mix (share of ICT gross output, ASIF)", fontsize=10
    )
    axis.set_ylim(0, 108)
    axis.set_ylabel("%")


_PRECEDENCE = "BOEPA"


def _worst_status(rows: pd.DataFrame) -> str:
    codes = set(rows["obs_status"].dropna())
    if rows["conf_status"].isin(["C", "D"]).any():
        codes.add("C")
    order = "C" + _PRECEDENCE
    return min(codes, key=order.index) if codes else "A"


# HTML ---------------------------------------------------------------------------------------

_FLAG_TEXT = (
    ("A", "normal value"),
    ("B", "break in series (classification, census frame, coverage or threshold change)"),
    ("E", "value added in it is imputed (not reported)"),
    ("P", "from a provisional release"),
    ("O", "not computable (e.g. zero denominator, fewer than 4 firms for top-4)"),
    ("C / D", "suppressed by disclosure control (primary / secondary)"),
)


def _cell(frame: pd.DataFrame, city: str, year: int, breakdown: str | None = None) -> str:
    rows = frame[(frame["city_code"] == city) & (frame["year"] == year)]
    if breakdown is not None:
        rows = rows[rows["breakdown"] == breakdown]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    if row["conf_status"] in ("C", "D"):
        return f"<span class=flag>{html.escape(row['conf_status'])}</span>"
    flags = str(row["obs_flags"] or row["obs_status"])
    text = "–" if pd.isna(row["value"]) else f"{row['value'] * 100:.1f}"
    flag = "" if flags == "A" else f" <span class=flag>{html.escape(flags)}</span>"
    return f"{text}{flag}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], css: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    klass = f' class="{css}"' if css else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(data: ReportData, results: Sequence[FindingResult], manifest: dict) -> str:
    publish = html.escape(str(manifest.get("publish_id", "unknown")))
    fingerprint = html.escape(str(manifest.get("fingerprint", "unknown")))
    loaded = sum(1 for r in manifest.get("releases", []) if r.get("status") == "loaded")
    findings_rows = [
        [
            html.escape(r.finding.text),
            "<br>".join(html.escape(e.describe()) for e in r.evidence),
            f"<span class='verdict {r.verdict.replace(' ', '-')}'>{html.escape(r.verdict)}</span>",
        ]
        for r in results
    ]
    share_years = sorted(set(data.ict_share["year"]))
    share_rows = [[str(y), *(_cell(data.ict_share, c, y) for c in CITIES)] for y in share_years]
    fdi_years = sorted(set(data.fdi_asif["year"]) | set(data.fdi_city["year"]))
    fdi_rows = [
        [
            str(y),
            *(_cell(data.fdi_asif, c, y) for c in CITIES),
            *(_cell(data.fdi_city, c, y) for c in CITIES),
        ]
        for y in fdi_years
    ]
    segment_tables = []
    segments = _segment_order(data.segments)
    for city, name in CITIES.items():
        years = sorted(set(data.segments[data.segments["city_code"] == city]["year"]))
        rows = [[str(y), *(_cell(data.segments, city, y, s) for s in segments)] for y in years]
        segment_tables.append(
            f"<h3>{html.escape(name)}</h3>"
            + _table(["year", *(s.replace("_", " ") for s in segments)], rows)
        )
    definitions = "".join(
        f"<dt>{html.escape(r.indicator_id)} — {html.escape(str(r.title))}</dt>"
        f"<dd>{html.escape(str(r.formula))}<br><small>{html.escape(str(r.caveats or ''))}"
        "</small></dd>"
        for r in data.indicators.itertuples()
    )
    leaders = "".join(f"<li>{html.escape(s)}</li>" for s in segment_leaders(data))
    flags = "".join(f"<li><b>{html.escape(k)}</b> {html.escape(v)}</li>" for k, v in _FLAG_TEXT)
    k, d = CITIES[KUNSHAN], CITIES[DONGGUAN]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>citygvc — Kunshan vs Dongguan replication</title>
<style>
body {{ font-family: sans-serif; max-width: 1200px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }}
td:first-child, .findings td, .findings th {{ text-align: left; }}
.flag {{ color: #a33; font-size: 0.8em; }}
.verdict {{ font-weight: bold; }}
.holds {{ color: #1a7f37; }} .does-not-hold {{ color: #b42318; }}
.cannot-be-checked {{ color: #8a6d00; }}
img {{ max-width: 100%; }}
</style>
</head>
<body>
<h1>Kunshan vs Dongguan: the seed's findings, regenerated from the published marts</h1>
<p>Source: <code>serve/{SERVED_DB}</code>, publish <code>{publish}</code> (fingerprint
<code>{fingerprint}</code>; releases loaded: {loaded}). Values are read from
<code>marts.fct_city_indicators</code>; verdicts compare them with the thresholds the study
states.</p>
<p id="summary"><b>{html.escape(summary(results))}</b></p>
<h2>Findings</h2>
{_table(["finding (seed)", "published values", "verdict"], findings_rows, "findings")}
<ul id="segments">{leaders}</ul>
<p><img src="{PNG_NAME}" alt="Kunshan vs Dongguan series"></p>
<h2>ICT share of manufacturing gross output (ASIF, %)</h2>
{_table(["year", k, d], share_rows)}
<h2>FDI dependency of ICT value added (%)</h2>
{_table(["year", f"{k} ASIF", f"{d} ASIF", f"{k} yearbook", f"{d} yearbook"], fdi_rows)}
<h2>ICT segment mix (share of ICT gross output, ASIF, %)</h2>
{"".join(segment_tables)}
<h2>Flags</h2>
<ul>{flags}</ul>
<h2>Definitions</h2>
<dl>{definitions}</dl>
</body>
</html>
"""


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
