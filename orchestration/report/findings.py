"""The seed study's findings as measurable conditions, the published series they are checked
against (`load_data`) and their verdicts (`evaluate`): computed from the published values
against the thresholds the seed states; no outcome is written down here. Beside them, the
economic complexity of both cities (`complexity_sentences`): descriptive, from the data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from orchestration.report.series import CITIES, DONGGUAN, KUNSHAN, city_series, ict_group_mean

ICT_SHARE = ("ict_share_mfg_output", "asif", "total")
FDI_ASIF = ("fdi_dependency_ict_va", "asif", "total")
FDI_CITY = ("fdi_dependency_ict_va", "fdi_city", "total")
SEGMENT_INDICATOR = "ict_segment_share"
ECI = ("eci", "asif", "total")
# Averaged over the ICT groups (division 39) of marts.fct_city_industry_indicators.
RELATEDNESS_INDICATOR = "relatedness_density"
# docs/marts.md order (upstream to downstream of the value chain); unknown ids follow sorted.
SEGMENTS = (
    "computers",
    "parts_peripherals",
    "telecom_equipment",
    "handsets",
    "consumer_electronics",
    "components_devices",
    "other_ict",
)
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
    eci: pd.DataFrame
    ict_relatedness: pd.DataFrame


def _window(frame: pd.DataFrame, years: tuple[int, int]) -> pd.DataFrame:
    return frame[(frame["year"] >= years[0]) & (frame["year"] <= years[1])].reset_index(drop=True)


def load_data(con: duckdb.DuckDBPyConnection) -> ReportData:
    indicators = con.execute(
        "select indicator_id, title, formula, caveats from marts.dim_indicator "
        "where indicator_id in (?, ?, ?, ?, ?) order by indicator_id",
        [ICT_SHARE[0], SEGMENT_INDICATOR, FDI_CITY[0], ECI[0], RELATEDNESS_INDICATOR],
    ).df()
    return ReportData(
        ict_share=_window(city_series(con, *ICT_SHARE[:2]), ASIF_YEARS),
        fdi_asif=_window(city_series(con, *FDI_ASIF[:2]), FDI_ASIF_YEARS),
        fdi_city=_window(city_series(con, *FDI_CITY[:2]), FDI_CITY_YEARS),
        segments=_window(city_series(con, SEGMENT_INDICATOR, "asif", None), ASIF_YEARS),
        indicators=indicators,
        eci=_window(city_series(con, *ECI[:2]), ASIF_YEARS),
        ict_relatedness=_window(ict_group_mean(con, RELATEDNESS_INDICATOR), ASIF_YEARS),
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


def segment_order(frame: pd.DataFrame) -> list[str]:
    """The segments in `frame`: SEGMENTS order, then unknown ids sorted."""
    present = set(frame["breakdown"])
    return [s for s in SEGMENTS if s in present] + sorted(present - set(SEGMENTS))


# Economic complexity: descriptive sentences, every number from the published values ---------


def eci_text(value: float) -> str:
    return f"{value:.2f}"


def density_text(value: float) -> str:
    return f"{value:.3f}"


def _published(frame: pd.DataFrame, city: str) -> pd.DataFrame:
    """The city's rows with a value (suppressed and not computable ones dropped), by year."""
    rows = frame[(frame["city_code"] == city) & frame["value"].notna()]
    return rows.sort_values("year")


def trend_sentence(frame: pd.DataFrame, label: str, text: Callable[[float], str]) -> str:
    """`label` of each city in its first and last year with a published value."""
    parts = []
    for city, name in CITIES.items():
        rows = _published(frame, city)
        if rows.empty:
            parts.append(f"{name} none published")
            continue
        first, last = rows.iloc[0], rows.iloc[-1]
        if first["year"] == last["year"]:
            parts.append(f"{name} {text(first['value'])} in {first['year']} only")
            continue
        change = last["value"] - first["value"]
        direction = "up" if change > 0 else "down" if change < 0 else "unchanged"
        amount = "" if change == 0 else f" {text(abs(change))}"
        parts.append(
            f"{name} {text(first['value'])} in {first['year']} → {text(last['value'])} in "
            f"{last['year']} ({direction}{amount})"
        )
    return f"{label}: {'; '.join(parts)}."


def lead_sentence(frame: pd.DataFrame, label: str) -> str:
    """In how many years with both cities published Kunshan's `label` is above Dongguan's,
    and which city is ahead in the last such year."""
    both = _published(frame, KUNSHAN).merge(
        _published(frame, DONGGUAN), on="year", suffixes=("_k", "_d")
    )
    k, d = CITIES[KUNSHAN], CITIES[DONGGUAN]
    if both.empty:
        return f"No year has both {k}'s and {d}'s {label} published."
    above = int((both["value_k"] > both["value_d"]).sum())
    last = both.iloc[-1]
    if last["value_k"] == last["value_d"]:
        ahead = f"in {last['year']} both are equal"
    else:
        leader = k if last["value_k"] > last["value_d"] else d
        ahead = f"in {last['year']} {leader}'s is higher"
    return (
        f"{k}'s {label} is above {d}'s in {above} of the {len(both)} years with both "
        f"published; {ahead}."
    )


def complexity_sentences(data: ReportData) -> list[str]:
    """Kunshan vs Dongguan on ECI and on the mean relatedness density of the ICT groups: each
    city's first and last published value, and which city is ahead how often."""
    return [
        trend_sentence(data.eci, "ECI", eci_text),
        lead_sentence(data.eci, "ECI"),
        trend_sentence(
            data.ict_relatedness, "Mean relatedness density of the ICT groups", density_text
        ),
        lead_sentence(data.ict_relatedness, "mean relatedness density of the ICT groups"),
    ]
