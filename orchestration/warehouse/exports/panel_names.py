"""Column names of the wide panel (docs/exports.md, "Panel column names").

Rule: `<indicator>[_<breakdown>]_<source>` from the fixed abbreviations below (breakdown
'total' is left out), then one of the suffixes `_s` (obs_status), `_f` (obs_flags), `_c`
(conf_status) for the status columns. An id missing from a table is cleaned (lower-case
letters, digits, `_`) and cut to 12 / 10 / 4 characters. A stem longer than 30 characters,
or one whose columns are already taken (by the key columns or by a stem earlier in the
sorted order of (indicator_id, breakdown, source)), becomes its first 25 characters + `_` +
the first 4 hex digits of the sha1 of `indicator_id.breakdown.source` (of `…#1`, `#2`, …
while that is taken too). Changing an abbreviation changes researchers' do-files: add new
ids, never edit existing ones."""

from __future__ import annotations

from orchestration.warehouse.exports.stata_names import MAX_NAME, clean, unique_names

INDICATORS = {
    "mfg_output": "mfgout",
    "ict_output": "ictout",
    "ict_share_mfg_output": "ictshr",
    "ict_segment_share": "seg",
    "fdi_dependency_ict_va": "fdiva",
    "fdi_dependency_ict_output": "fdiout",
    "export_intensity_ict": "expint",
    "va_ratio_ict": "varat",
    "top4_share_ict": "top4",
    "hhi_mfg": "hhi",
    "lq_ict": "lq",
    "firms_ict": "firms",
    "entry_rate_ict": "entry",
    "exit_rate_ict": "exit",
}
BREAKDOWNS = {
    "total": "",
    "threshold_20m": "t20m",
    "hmt": "hmt",
    "foreign": "fgn",
    "cap25": "cap25",
    "computers": "comp",
    "parts_peripherals": "parts",
    "telecom_equipment": "telecom",
    "handsets": "hand",
    "consumer_electronics": "consel",
    "components_devices": "compdev",
    "other_ict": "other",
}
SOURCES = {"asif": "a", "fdi_city": "y"}
STATUS_SUFFIXES = {"obs_status": "_s", "obs_flags": "_f", "conf_status": "_c"}
STEM_WIDTH = MAX_NAME - 2  # room for a status suffix


def full_name(indicator_id: str, breakdown: str, source: str) -> str:
    return f"{indicator_id}.{breakdown}.{source}"


def stem(indicator_id: str, breakdown: str, source: str) -> str:
    parts = [
        INDICATORS.get(indicator_id) or clean(indicator_id, 12),
        BREAKDOWNS[breakdown] if breakdown in BREAKDOWNS else clean(breakdown, 10),
        SOURCES.get(source) or clean(source, 4),
    ]
    return "_".join(p for p in parts if p)


def panel_stems(
    series: list[tuple[str, str, str]], reserved: list[str]
) -> dict[tuple[str, str, str], str]:
    """(indicator_id, breakdown, source) -> the stem of its four columns; `reserved` are the
    key columns' names, which no column may take."""
    keys = sorted(series)
    wanted = [(full_name(*key), stem(*key)) for key in keys]
    suffixes = ("", *STATUS_SUFFIXES.values())
    names = unique_names([(f"key:{n}", n) for n in reserved] + wanted, STEM_WIDTH, suffixes)
    return {key: names[full_name(*key)] for key in keys}
