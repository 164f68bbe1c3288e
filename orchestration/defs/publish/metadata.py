"""Dagster metadata a monitor wants on every materialization (issue 8): the Kunshan/Dongguan
headline values as a markdown table plus a plot, their economic complexity (ECI and the mean
relatedness density of the ICT groups) as a second table, and the `fct_data_quality` figures of
the releases just loaded.

The functions take an open DuckDB connection (the warehouse for the assets, the served file for
the report) and only read schema `marts`. matplotlib is imported lazily: most code paths that
import this module (the code location, the sensors) never draw anything.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from math import isnan
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
from dagster import MetadataValue

from orchestration.report.series import (
    CITIES,
    CITY_COLOURS,
    DONGGUAN,
    KUNSHAN,
    city_series,
    ict_group_mean,
)
from orchestration.settings import Settings

if TYPE_CHECKING:  # pandas costs ~0.4 s to import; frames arrive from DuckDB's .df()
    import pandas as pd

MONITORING_DIR = "monitoring"
HEADLINE_PNG = "headline.png"


def percent_text(value: float) -> str:
    return f"{value * 100:.1f} %"


def index_text(value: float) -> str:
    return f"{value:.2f}"


def density_text(value: float) -> str:
    return f"{value:.3f}"


@dataclass(frozen=True)
class Headline:
    """One row of the headline table: an indicator series and the years a monitor looks at
    (the seed's years; the newest year with data is added as "latest"). With `ict_groups` the
    series is the indicator of marts.fct_city_industry_indicators averaged over the ICT groups
    (series.ict_group_mean; `breakdown` only labels it)."""

    indicator_id: str
    source: str
    breakdown: str
    label: str
    years: tuple[int, ...]
    text: Callable[[float], str] = percent_text
    ict_groups: bool = False


HEADLINES = (
    Headline(
        "ict_share_mfg_output", "asif", "total", "ICT share of manufacturing output", (2000, 2009)
    ),
    Headline(
        "fdi_dependency_ict_va", "fdi_city", "total", "FDI share of ICT value added", (2010, 2020)
    ),
)
# Economic complexity in the seed's ASIF years (and the latest): ECI is standardised within
# each year, so the two cities compare within a row.
COMPLEXITY = (
    Headline("eci", "asif", "total", "ECI (standardised each year)", (2000, 2009), index_text),
    Headline(
        "relatedness_density",
        "asif",
        "ict_groups",
        "Relatedness density of the ICT groups (mean)",
        (2000, 2009),
        density_text,
        ict_groups=True,
    ),
)
STATUS_NOTE = (
    "Status in parentheses: A normal, B break in series, E value added imputed, "
    "P provisional, O not computable; suppressed cells show their disclosure code."
)


def _missing(value: object) -> bool:
    """NULL as DuckDB's .df() hands it over: None, NaN or pandas' NA."""
    if value is None or type(value).__name__ == "NAType":
        return True
    return isinstance(value, float) and isnan(value)


def format_cell(row: pd.Series | None, text: Callable[[float], str] = percent_text) -> str:
    """A value as a monitor reads it (percent unless `text` says otherwise) with its SDMX
    status; a NULL says why."""
    if row is None:
        return "no data"
    status = row["obs_status"]
    if row["conf_status"] in ("C", "D"):
        return f"suppressed ({row['conf_status']})"
    if _missing(row["value"]):
        return f"not computable ({status})"
    return f"{text(row['value'])} ({status})"


def _lookup(frame: pd.DataFrame, city: str, year: int) -> pd.Series | None:
    hit = frame[(frame["city_code"] == city) & (frame["year"] == year)]
    return None if hit.empty else hit.iloc[0]


def _series(con: duckdb.DuckDBPyConnection, headline: Headline) -> pd.DataFrame:
    if headline.ict_groups:
        return ict_group_mean(con, headline.indicator_id)
    return city_series(con, headline.indicator_id, headline.source, (headline.breakdown,))


def _markdown_table(con: duckdb.DuckDBPyConnection, headlines: Iterable[Headline]) -> str:
    """Markdown: one row per headline and year, a column per city, and the status note."""
    lines = [
        f"| indicator | source | year | {CITIES[KUNSHAN]} ({KUNSHAN}) | "
        f"{CITIES[DONGGUAN]} ({DONGGUAN}) |",
        "|---|---|---|---|---|",
    ]
    for headline in headlines:
        frame = _series(con, headline)
        rows = [(year, str(year)) for year in headline.years]
        latest = None if frame.empty else int(frame["year"].max())
        if latest is not None and latest not in headline.years:
            rows.append((latest, f"{latest} (latest)"))
        for year, label in rows:
            cells = [
                format_cell(_lookup(frame, city, year), headline.text)
                for city in (KUNSHAN, DONGGUAN)
            ]
            lines.append(
                f"| {headline.label} | {headline.source} | {label} | {cells[0]} | {cells[1]} |"
            )
    lines.append("")
    lines.append(STATUS_NOTE)
    return "\n".join(lines)


def headline_table(con: duckdb.DuckDBPyConnection) -> str:
    """Markdown table of the headline values of Kunshan and Dongguan."""
    return _markdown_table(con, HEADLINES)


def complexity_table(con: duckdb.DuckDBPyConnection) -> str:
    """Markdown table of Kunshan's and Dongguan's ECI and the mean relatedness density of
    their ICT groups (COMPLEXITY), or why it is not there yet."""
    if not _has_table(con, "marts", "fct_city_industry_indicators"):
        return (
            "marts.fct_city_industry_indicators is not built yet: the complexity figures "
            "appear after the next transform-and-publish run."
        )
    return _markdown_table(con, COMPLEXITY)


def headline_plot(con: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Draw the two headline series of both cities into a PNG at `path` (deterministic bytes
    for the same data: no software or date stamps)."""
    # lazy: see the module docstring
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(8, 3.2), dpi=80, layout="constrained")
    panels = fig.subplots(1, 2)
    for axis, headline in zip(panels, HEADLINES, strict=True):
        frame = city_series(con, headline.indicator_id, headline.source, (headline.breakdown,))
        for city, name in CITIES.items():
            series = frame[frame["city_code"] == city]
            axis.plot(
                series["year"],
                series["value"].astype(float) * 100,
                marker="o",
                markersize=3,
                color=CITY_COLOURS[city],
                label=name,
            )
        axis.set_title(f"{headline.label} ({headline.source})", fontsize=9)
        axis.set_ylabel("%")
        axis.set_ylim(0, 100)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None})
    return path


def headline_metadata(
    con: duckdb.DuckDBPyConnection, settings: Settings
) -> dict[str, MetadataValue]:
    """Metadata for the publish asset: the headline table, the plot inline (the Dagster UI
    renders base64 images in markdown metadata), the plot's path under data/monitoring and the
    complexity table."""
    png = headline_plot(con, settings.data_dir / MONITORING_DIR / HEADLINE_PNG)
    encoded = base64.b64encode(png.read_bytes()).decode()
    return {
        "headline": MetadataValue.md(headline_table(con)),
        "headline_plot": MetadataValue.md(
            f"![Kunshan vs Dongguan headline series](data:image/png;base64,{encoded})"
        ),
        "headline_plot_path": MetadataValue.path(str(png)),
        "complexity": MetadataValue.md(complexity_table(con)),
    }


# fct_data_quality ---------------------------------------------------------------------------

# Release-level figures shown as columns, in the order a release travels (the rest of the
# table's metrics are in the JSON detail).
QUALITY_COLUMNS = (
    ("raw", "rows_read", "rows read"),
    ("staging", "rows_staged", "staged"),
    ("staging", "duplicates_removed", "duplicates removed"),
    ("harmonise", "rows_kept", "kept"),
    ("harmonise", "rows_dropped", "dropped"),
    ("harmonise", "unmapped_code", "unmapped codes"),
    ("staging", "unmapped_label", "unmapped labels"),
)


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return (
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
        > 0
    )


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def _quality_frames(
    con: duckdb.DuckDBPyConnection, ids: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The release-level rows of the given releases, and the imputed share of value added of
    Kunshan and Dongguan in them."""
    placeholders = ", ".join("?" * len(ids))
    release_rows = con.execute(
        f"""
        select release_id, dataset, year, step, metric, detail, sum(value) as value
        from marts.fct_data_quality
        where release_id in ({placeholders}) and city_code is null
        group by release_id, dataset, year, step, metric, detail
        order by release_id, step, metric, detail
        """,
        ids,
    ).df()
    city_rows = con.execute(
        f"""
        select release_id, city_code, metric, value, conf_status
        from marts.fct_data_quality
        where release_id in ({placeholders}) and city_code in (?, ?)
          and metric = 'value_added_imputed_share'
        order by release_id, city_code
        """,
        [*ids, KUNSHAN, DONGGUAN],
    ).df()
    return release_rows, city_rows


def _quality_table(release_rows: pd.DataFrame, ids: list[str]) -> str:
    """Markdown: one row per release with the QUALITY_COLUMNS figures; releases not in the
    mart yet are listed below the table."""
    header = ["release", "dataset", "year", *(label for _, _, label in QUALITY_COLUMNS)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    missing = []
    for release_id in ids:
        rows = release_rows[release_rows["release_id"] == release_id]
        if rows.empty:
            missing.append(release_id)
            continue
        cells = [release_id, str(rows["dataset"].iloc[0]), str(rows["year"].iloc[0])]
        for step, metric, _ in QUALITY_COLUMNS:
            hit = rows[(rows["step"] == step) & (rows["metric"] == metric)]
            cells.append(_number(hit["value"].sum()) if not hit.empty else "–")
        lines.append("| " + " | ".join(cells) + " |")
    if missing:
        lines.append("")
        lines.append(
            "Not in marts.fct_data_quality yet (built by the next transform): " + ", ".join(missing)
        )
    return "\n".join(lines)


def data_quality_metadata(
    con: duckdb.DuckDBPyConnection, release_ids: Iterable[str]
) -> dict[str, MetadataValue]:
    """What happened to each given release on its way to the marts (marts.fct_data_quality):
    a markdown table of rows read / staged / removed / kept / dropped / unmapped, the detail
    of every release-level metric, and the imputed share of value added of Kunshan and
    Dongguan in those releases. Before the first transform the mart does not exist yet, and a
    release ingested since the last transform is not in it; both are said, not hidden."""
    ids = sorted(set(release_ids))
    if not ids:
        return {}
    if not _has_table(con, "marts", "fct_data_quality"):
        return {
            "data_quality": MetadataValue.md(
                "marts.fct_data_quality is not built yet: the figures appear after the next "
                "transform-and-publish run."
            )
        }
    release_rows, city_rows = _quality_frames(con, ids)
    detail = [
        {
            "release_id": r.release_id,
            "step": r.step,
            "metric": r.metric,
            "detail": r.detail,
            "value": None if _missing(r.value) else float(r.value),
        }
        for r in release_rows.itertuples()
    ]
    imputed = [
        {
            "release_id": r.release_id,
            "city": CITIES[r.city_code],
            "value_added_imputed_share": None if _missing(r.value) else float(r.value),
            "conf_status": r.conf_status,
        }
        for r in city_rows.itertuples()
    ]
    return {
        "data_quality": MetadataValue.md(_quality_table(release_rows, ids)),
        "data_quality_detail": MetadataValue.json(detail),
        "value_added_imputed_share": MetadataValue.json(imputed),
    }


def releases_since_last_publish(settings: Settings, loaded_ids: Iterable[str]) -> list[str]:
    """The loaded releases the served manifest does not list as loaded yet — what the
    publish about to happen brings in (every loaded release before the first publish). Call it
    before the new manifest is swapped in."""
    manifest_path = settings.serve_dir / "manifest.json"
    served: set[str] = set()
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        served = {r["release_id"] for r in manifest.get("releases", []) if r["status"] == "loaded"}
    return sorted(set(loaded_ids) - served)
