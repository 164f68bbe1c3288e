"""The replication figure: the Kunshan vs Dongguan series with their flags and the seed's
thresholds, each city's ICT segment mix, and both cities' ECI and relatedness density of the
ICT groups. matplotlib is imported when a figure is drawn
(it costs about a second; the rest of the report package does not need it)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from orchestration.report.findings import (
    FDI_CITY,
    FINDINGS,
    ICT_SHARE,
    SEGMENTS,
    FindingResult,
    ReportData,
    segment_order,
    summary,
)
from orchestration.report.series import CITIES, CITY_COLOURS, DONGGUAN, KUNSHAN

# One colour per segment id of SEGMENTS, in both panels.
SEGMENT_COLOURS = ("#4c72b0", "#8fb0d9", "#55a868", "#a6d49f", "#c44e52", "#dd8452", "#b3b3b3")
FLAG_MARKERS = {
    "B": ("s", "break in series (B)"),
    "E": ("^", "value added imputed (E)"),
    "P": ("D", "provisional (P)"),
}


def _flags(row: pd.Series) -> set[str]:
    return set(filter(None, str(row["obs_flags"] or "").replace(" ", "").split(",")))


def _plot_series(
    axis, frame: pd.DataFrame, city: str, linestyle: str, label: str, scale: float = 100
) -> None:
    """One city's series (times `scale`: 100 for percent) with its flags."""
    rows = frame[frame["city_code"] == city]
    colour = CITY_COLOURS[city]
    values = rows["value"].astype(float) * scale
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
            # Suppressed or not computable: an x on the x axis, never a fake 0 on the line.
            axis.plot(
                row["year"],
                0,
                marker="x",
                color=colour,
                markersize=6,
                clip_on=False,
                transform=axis.get_xaxis_transform(),
            )
            continue
        for flag in sorted(_flags(row) & FLAG_MARKERS.keys()):
            axis.plot(
                row["year"],
                row["value"] * scale,
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
    from matplotlib.lines import Line2D  # lazy: see the module docstring

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
    # lazy: matplotlib costs about a second to import (see the module docstring)
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(12, 12.5), dpi=100, layout="constrained")
    fig.suptitle(f"Kunshan vs Dongguan — {summary(results)}\n{subtitle}", fontsize=10)
    (share_ax, fdi_ax), (seg_k, seg_d), (eci_ax, density_ax) = fig.subplots(3, 2)

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

    _complexity_panels(data, eci_ax, density_ax)

    for axis in (share_ax, fdi_ax, seg_k, seg_d, eci_ax, density_ax):
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None})


def _complexity_panels(data: ReportData, eci_ax, density_ax) -> None:
    """Both cities' ECI (0 = the year's mean city) and the mean relatedness density of their
    ICT groups, flags marked as on the share panels."""
    for city, name in CITIES.items():
        _plot_series(eci_ax, data.eci, city, "solid", name, scale=1)
        _plot_series(density_ax, data.ict_relatedness, city, "solid", name, scale=1)
    eci_ax.axhline(0, color="grey", linewidth=0.8)
    eci_ax.set_title("Economic complexity index (ASIF, standardised each year)", fontsize=10)
    eci_ax.set_ylabel("ECI (SD from the year's mean)")
    density_ax.set_title(
        "Relatedness density of the ICT groups (division 39, mean; ASIF)", fontsize=10
    )
    density_ax.set_ylabel("density (0–1)")
    density_ax.set_ylim(bottom=0)
    for axis in (eci_ax, density_ax):
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7, loc="best")


def _segment_bars(axis, frame: pd.DataFrame, city: str) -> None:
    rows = frame[frame["city_code"] == city]
    segments = segment_order(rows)
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
