"""The replication page: the findings with their evidence and verdicts, the series as
tables with their flags, and the indicator definitions (plain HTML, deterministic)."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

import pandas as pd

from orchestration.report.findings import (
    FindingResult,
    ReportData,
    complexity_sentences,
    density_text,
    eci_text,
    segment_leaders,
    segment_order,
    summary,
)
from orchestration.report.series import CITIES, DONGGUAN, KUNSHAN

# Named in the page: the figure beside it and the published file the values come from.
PNG_NAME = "replication.png"
SERVED_DB = "citygvc.duckdb"

_FLAG_TEXT = (
    ("A", "normal value"),
    ("B", "break in series (classification, census frame, coverage or threshold change)"),
    ("E", "value added in it is imputed (not reported)"),
    ("P", "from a provisional release"),
    ("O", "not computable (e.g. zero denominator, fewer than 4 firms for top-4)"),
    ("C / D", "suppressed by disclosure control (primary / secondary)"),
)


def _percent(value: float) -> str:
    return f"{value * 100:.1f}"


def _cell(
    frame: pd.DataFrame,
    city: str,
    year: int,
    breakdown: str | None = None,
    text: Callable[[float], str] = _percent,
) -> str:
    rows = frame[(frame["city_code"] == city) & (frame["year"] == year)]
    if breakdown is not None:
        rows = rows[rows["breakdown"] == breakdown]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    if row["conf_status"] in ("C", "D"):
        return f"<span class=flag>{html.escape(row['conf_status'])}</span>"
    flags = str(row["obs_flags"] or row["obs_status"])
    value = "–" if pd.isna(row["value"]) else text(row["value"])
    flag = "" if flags == "A" else f" <span class=flag>{html.escape(flags)}</span>"
    return f"{value}{flag}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], css: str = "") -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    klass = f' class="{css}"' if css else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>citygvc — Kunshan vs Dongguan replication</title>
<style>
body { font-family: sans-serif; max-width: 1200px; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
td:first-child, .findings td, .findings th { text-align: left; }
.flag { color: #a33; font-size: 0.8em; }
.verdict { font-weight: bold; }
.holds { color: #1a7f37; } .does-not-hold { color: #b42318; }
.cannot-be-checked { color: #8a6d00; }
img { max-width: 100%; }
</style>
</head>
"""


def _findings_table(results: Sequence[FindingResult]) -> str:
    rows = [
        [
            html.escape(r.finding.text),
            "<br>".join(html.escape(e.describe()) for e in r.evidence),
            f"<span class='verdict {r.verdict.replace(' ', '-')}'>{html.escape(r.verdict)}</span>",
        ]
        for r in results
    ]
    return _table(["finding (seed)", "published values", "verdict"], rows, "findings")


def _share_table(data: ReportData) -> str:
    years = sorted(set(data.ict_share["year"]))
    rows = [[str(y), *(_cell(data.ict_share, c, y) for c in CITIES)] for y in years]
    return _table(["year", CITIES[KUNSHAN], CITIES[DONGGUAN]], rows)


def _fdi_table(data: ReportData) -> str:
    years = sorted(set(data.fdi_asif["year"]) | set(data.fdi_city["year"]))
    rows = [
        [
            str(y),
            *(_cell(data.fdi_asif, c, y) for c in CITIES),
            *(_cell(data.fdi_city, c, y) for c in CITIES),
        ]
        for y in years
    ]
    k, d = CITIES[KUNSHAN], CITIES[DONGGUAN]
    return _table(["year", f"{k} ASIF", f"{d} ASIF", f"{k} yearbook", f"{d} yearbook"], rows)


def _segment_tables(data: ReportData) -> str:
    tables = []
    segments = segment_order(data.segments)
    for city, name in CITIES.items():
        years = sorted(set(data.segments[data.segments["city_code"] == city]["year"]))
        rows = [[str(y), *(_cell(data.segments, city, y, s) for s in segments)] for y in years]
        tables.append(
            f"<h3>{html.escape(name)}</h3>"
            + _table(["year", *(s.replace("_", " ") for s in segments)], rows)
        )
    return "".join(tables)


def _complexity_table(data: ReportData) -> str:
    years = sorted(set(data.eci["year"]) | set(data.ict_relatedness["year"]))
    rows = [
        [
            str(y),
            *(_cell(data.eci, c, y, text=eci_text) for c in CITIES),
            *(_cell(data.ict_relatedness, c, y, text=density_text) for c in CITIES),
        ]
        for y in years
    ]
    k, d = CITIES[KUNSHAN], CITIES[DONGGUAN]
    header = ["year", f"{k} ECI", f"{d} ECI", f"{k} ICT relatedness", f"{d} ICT relatedness"]
    return _table(header, rows)


def _definitions(data: ReportData) -> str:
    return "".join(
        f"<dt>{html.escape(r.indicator_id)} — {html.escape(str(r.title))}</dt>"
        f"<dd>{html.escape(str(r.formula))}<br><small>{html.escape(str(r.caveats or ''))}"
        "</small></dd>"
        for r in data.indicators.itertuples()
    )


def render_html(data: ReportData, results: Sequence[FindingResult], manifest: dict) -> str:
    publish = html.escape(str(manifest.get("publish_id", "unknown")))
    fingerprint = html.escape(str(manifest.get("fingerprint", "unknown")))
    loaded = sum(1 for r in manifest.get("releases", []) if r.get("status") == "loaded")
    leaders = "".join(f"<li>{html.escape(s)}</li>" for s in segment_leaders(data))
    complexity = "".join(f"<li>{html.escape(s)}</li>" for s in complexity_sentences(data))
    flags = "".join(f"<li><b>{html.escape(k)}</b> {html.escape(v)}</li>" for k, v in _FLAG_TEXT)
    return f"""{_HEAD}<body>
<h1>Kunshan vs Dongguan: the seed's findings, regenerated from the published marts</h1>
<p>Source: <code>serve/{SERVED_DB}</code>, publish <code>{publish}</code> (fingerprint
<code>{fingerprint}</code>; releases loaded: {loaded}). Values are read from
<code>marts.fct_city_indicators</code> (relatedness density from
<code>marts.fct_city_industry_indicators</code>); verdicts compare them with the thresholds
the study states.</p>
<p id="summary"><b>{html.escape(summary(results))}</b></p>
<h2>Findings</h2>
{_findings_table(results)}
<ul id="segments">{leaders}</ul>
<p><img src="{PNG_NAME}" alt="Kunshan vs Dongguan series"></p>
<h2>ICT share of manufacturing gross output (ASIF, %)</h2>
{_share_table(data)}
<h2>FDI dependency of ICT value added (%)</h2>
{_fdi_table(data)}
<h2>ICT segment mix (share of ICT gross output, ASIF, %)</h2>
{_segment_tables(data)}
<h2>Economic complexity and relatedness to ICT (ASIF)</h2>
<p>ECI is standardised each year across the matrix locations (municipalities and
prefecture-level cities; Kunshan, a county-level city, is projected onto them): mean 0,
standard deviation 1, so compare the two cities within a year rather than a city across years.
ICT relatedness is the mean relatedness density of the ICT groups (the groups of division 39,
<code>marts.dim_industry.is_ict</code>): how close the city's specialisations are to them, from
0 to 1; empty when a group's value is withheld.</p>
<ul id="complexity">{complexity}</ul>
{_complexity_table(data)}
<h2>Flags</h2>
<ul>{flags}</ul>
<h2>Definitions</h2>
<dl>{_definitions(data)}</dl>
</body>
</html>
"""
