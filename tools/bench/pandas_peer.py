"""The plain-pandas peer of `make bench`: what a researcher would write in a notebook to get
the headline indicators from the raw release files, without citygvc.

`python -m tools.bench.pandas_peer CATALOG OUT.parquet [--timings FILE]`

It reads the catalog's effective releases (highest revision per ASIF year, per fdi_city year
and city) with pandas' own readers (`pd.read_stata`, `read_csv`, `read_parquet`,
`read_excel`), renames columns with the column-map seed, maps codes with the seeds (admin
codes, classification vintages, industry codes, crosswalk, segment map, registration types,
yearbook labels) and recomputes everything from scratch — the same cleaning, city units, firm
panel and value-added imputation as the warehouse, donor-imputed value added benchmarked to
the city yearbooks' printed division × ownership cells (`impute_value_added`) — for

- `ict_share_mfg_output` (total; asif and fdi_city),
- `ict_segment_share` (every segment; asif),
- `fdi_dependency_ict_va` (total; asif and fdi_city),
- `export_intensity_ict` (total; asif).

No checks, no quarantine, no disclosure control, no lineage: a release that citygvc would
quarantine silently gives wrong numbers here. Output columns: `city_code, year, indicator_id,
breakdown, source, value`.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.settings import SEEDS_DIR

ASIF_COLUMNS = [
    "firm_id",
    "location_code",
    "industry_code",
    "registration_type",
    "gross_output",
    "firm_name",
    "founding_year",
    "value_added",
    "intermediate_input",
    "vat_payable",
    "sales",
    "export_value",
    "employment",
    "paid_in_capital",
    "capital_state",
    "capital_collective",
    "capital_legal_person",
    "capital_individual",
    "capital_hmt",
    "capital_foreign",
]
TEXT_COLUMNS = {"firm_id", "firm_name", "location_code", "industry_code", "registration_type"}
CODE_WIDTHS = {"industry_code": 4, "registration_type": 3}
# A city/ownership-specific median VA/GO ratio needs this many observed firms (the
# warehouse's dbt var va_imputation_min_donors).
MIN_DONORS = 20
# Yearbook benchmarks of donor-imputed value added (dbt vars va_benchmark_rounding, thousand
# yuan: the largest rounding of a printed cell; va_benchmark_max_factor).
BENCHMARK_ROUNDING = 20
BENCHMARK_MAX_FACTOR = 2
NOT_AVAILABLE = ["", "-", "—", "——", "–", "－", "…", "……", "..."]
NOTE_RE = re.compile(r"^(注|资料来源|说明|note|source)", re.IGNORECASE)
UNIT_RE = re.compile(r"(?:单位|unit)\s*[:：]\s*(.+)", re.IGNORECASE)
KEYS = ["city_code", "year", "indicator_id", "breakdown", "source", "value"]


def seed(name: str) -> pd.DataFrame:
    return pd.read_csv(SEEDS_DIR / f"{name}.csv", dtype=str, keep_default_na=False)


def norm(text: object) -> str:
    """The column map's matching rule: trimmed, ASCII letters lower-cased."""
    return "".join(c.lower() if c.isascii() else c for c in str(text).strip())


def year_vintages(dataset: str) -> dict[int, str]:
    rows = seed("classification_vintages").query("dataset == @dataset")
    return {
        year: vintage
        for low, high, vintage in rows[["year_from", "year_to", "vintage"]].to_numpy()
        for year in range(int(low), int(high) + 1)
    }


def as_code(column: pd.Series, width: int | None = None) -> pd.Series:
    """Codes as trimmed text (blank → missing); '4011.0' → '4011'; zero-padded to width."""
    text = column.astype("str").str.strip().str.replace(r"^(\d+)\.0*$", r"\1", regex=True)
    text = text.where(column.notna() & (text != ""))
    if width:
        text = text.str.zfill(width)
    return text


def text_encoding(path: Path) -> str:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8-sig"


def effective_files(root: Path) -> tuple[list[dict], list[dict]]:
    """(asif files, fdi_city files) of the effective releases: the highest revision of each
    ASIF year; for each fdi_city year and city, the file of the highest revision with it."""
    releases = json.loads((root / "catalog.json").read_text())["releases"]
    asif: dict[int, list[dict]] = {}
    fdi: dict[tuple[int, str], dict] = {}
    # Ascending revision order: a higher revision overwrites what it supersedes.
    for release in sorted(releases, key=lambda r: (r["revision"], r["release_id"])):
        files = [{**f, "year": release["period"]} for f in release["files"]]
        if release["dataset"] == "asif":
            asif[release["period"]] = files
        else:
            fdi.update({(f["year"], f["city_code"]): f for f in files})
    return [f for year in sorted(asif) for f in asif[year]], list(fdi.values())


# Reading -----------------------------------------------------------------------------------


def read_asif_file(path: Path, fmt: str, column_map: dict[str, str]) -> pd.DataFrame:
    labels: dict[str, str] = {}
    if fmt == "dta":
        with pd.io.stata.StataReader(path) as reader:
            df = reader.read()
            labels = reader.variable_labels()
    elif fmt == "csv":
        df = pd.read_csv(path, dtype=str, encoding=text_encoding(path), keep_default_na=False)
    elif fmt == "parquet":
        df = pd.read_parquet(path)
    else:
        df = pd.read_excel(path)
    # Names first, then Stata variable labels; the first column wins a canonical name.
    rename: dict[str, str] = {}
    for use_label in (False, True):
        for name in df.columns:
            text = labels.get(name) if use_label else name
            target = column_map.get(norm(text)) if text else None
            if name not in rename and target and target not in rename.values():
                rename[name] = target
    df = df[list(rename)].rename(columns=rename)
    for column in ASIF_COLUMNS:
        if column not in df:
            df[column] = None if column in TEXT_COLUMNS else np.nan
        elif column in TEXT_COLUMNS:
            df[column] = as_code(df[column], CODE_WIDTHS.get(column))
        else:
            df[column] = pd.to_numeric(df[column], errors="coerce").astype("float64")
    return df[ASIF_COLUMNS]


def read_asif(root: Path, files: list[dict]) -> pd.DataFrame:
    column_map = {
        norm(raw): canonical
        for raw, canonical in seed("asif_column_map")[["raw_name", "canonical_name"]].to_numpy()
    }
    parts = [
        read_asif_file(root / f["path"], f["format"], column_map).assign(year=f["year"])
        for f in files
    ]
    return pd.concat(parts, ignore_index=True)


def long_table(df: pd.DataFrame, header_map: dict[str, str]) -> pd.DataFrame:
    df = df.rename(columns={c: header_map.get(norm(c), c) for c in df.columns})
    for column in ("industry_code", "industry_name"):
        if column not in df:
            df[column] = None
    return df[["industry_code", "industry_name", "ownership", "measure", "value", "unit"]]


def wide_sheet(
    name: str, sheet: pd.DataFrame, measures: list[str], header_map: dict[str, str]
) -> pd.DataFrame | None:
    """A yearbook sheet: title rows (year, city, measure, 单位), a header row starting with
    行业 and ownership columns, one row per industry until a note row."""
    first = sheet.iloc[:, 0].astype("str").str.strip()
    header_rows = np.flatnonzero(first.str.lower().str.startswith(("行业", "industry")).to_numpy())
    if not len(header_rows):
        return None
    at = header_rows[0]
    titles = [str(v).strip() for v in sheet.iloc[:at].to_numpy().ravel() if pd.notna(v)]
    unit = next((m.group(1).strip() for t in titles if (m := UNIT_RE.search(t))), None)
    measure = next((m for m in measures if m.lower() in name.lower()), None) or next(
        (m for t in titles for m in measures if m.lower() in t.lower()), None
    )
    header = [str(v).strip() if pd.notna(v) else f"_{i}" for i, v in enumerate(sheet.iloc[at])]
    body = sheet.iloc[at + 1 :].set_axis(header, axis=1)
    notes = np.flatnonzero(first.iloc[at + 1 :].str.match(NOTE_RE).to_numpy())
    if len(notes):
        body = body.iloc[: notes[0]]
    body = body[body[header[0]].notna() & (body[header[0]].astype("str").str.strip() != "")]
    code_column = next((h for h in header[1:] if header_map.get(norm(h)) == "industry_code"), None)
    owners = [h for h in header[1:] if h != code_column and not h.startswith("_")]
    cells = body.melt(
        id_vars=[header[0]] + ([code_column] if code_column else []),
        value_vars=owners,
        var_name="ownership",
    )
    cells = cells.rename(columns={header[0]: "industry_name", code_column: "industry_code"})
    if code_column is None:
        cells["industry_code"] = None
    return cells.assign(measure=measure, unit=unit)


def read_fdi_file(path: Path, fmt: str) -> pd.DataFrame:
    header_map = {
        norm(r): c for r, c in seed("fdi_header_map")[["raw_header", "canonical"]].to_numpy()
    }
    if fmt == "csv":
        return long_table(pd.read_csv(path, dtype=str, encoding=text_encoding(path)), header_map)
    labels = seed("fdi_value_map").query("field == 'measure'")["raw_value"]
    measures = sorted(labels, key=len, reverse=True)
    parts = []
    for name, sheet in pd.read_excel(path, sheet_name=None, header=None).items():
        sheet = sheet.dropna(how="all")
        if sheet.empty:
            continue
        head = {header_map.get(norm(v)) for v in sheet.iloc[0] if pd.notna(v)}
        if len({"year", "ownership", "measure", "value", "unit"} & head) >= 3:
            body = sheet.iloc[1:].set_axis([str(v) for v in sheet.iloc[0]], axis=1)
            parts.append(long_table(body, header_map))
        elif (part := wide_sheet(str(name), sheet, measures, header_map)) is not None:
            parts.append(part)
    return pd.concat(parts, ignore_index=True)


def read_fdi(root: Path, files: list[dict]) -> pd.DataFrame:
    if not files:
        columns = ["industry_code", "industry_name", "ownership", "measure", "value", "unit"]
        return pd.DataFrame(columns=[*columns, "year", "city_code"])
    parts = [
        read_fdi_file(root / f["path"], f["format"]).assign(
            year=f["year"], city_code=f["city_code"]
        )
        for f in files
    ]
    return pd.concat(parts, ignore_index=True)


# ASIF indicators ---------------------------------------------------------------------------


def city_units(firms: pd.DataFrame) -> pd.DataFrame:
    """(year, firm_id, city_code, is_primary): every unit a firm-year counts toward through
    the admin code map (nearest validity window); the most specific unit is its own."""
    admin = seed("admin_code_map")
    admin["valid_from"] = pd.to_numeric(admin["valid_from"]).fillna(0)
    admin["valid_to"] = pd.to_numeric(admin["valid_to"]).fillna(9999)
    located = firms.loc[
        firms["loc6"].notna() & firms["firm_id"].notna(), ["year", "firm_id", "loc6"]
    ]
    units = located.merge(admin, left_on="loc6", right_on="admin_code")
    units["outside"] = np.maximum(
        np.maximum(units["valid_from"] - units["year"], units["year"] - units["valid_to"]), 0
    )
    nearest = units.groupby(["year", "firm_id"])["outside"].transform("min")
    units = units.loc[units["outside"] == nearest, ["year", "firm_id", "city_code"]]
    levels = seed("cities").set_index("city_code")["level"]
    units["county"] = units["city_code"].map(levels) == "county_city"
    units = units.sort_values(["year", "firm_id", "county", "city_code"], ascending=[1, 1, 0, 1])
    units["is_primary"] = ~units.duplicated(["year", "firm_id"])
    return units[["year", "firm_id", "city_code", "is_primary"]]


def firm_panel(firms: pd.DataFrame, units: pd.DataFrame) -> pd.Series:
    """panel_id per firm_id: a firm_id first seen in t whose (name, city units, 2011 class)
    equals that of a firm_id last seen in t−1, one-to-one, continues that firm's panel."""
    rows = firms.loc[firms["firm_id"].notna(), ["year", "firm_id", "firm_name", "class_2011"]]
    unit_lists = (
        units.sort_values("city_code").groupby(["year", "firm_id"])["city_code"].agg(",".join)
    )
    rows = rows.merge(unit_lists.rename("city_units"), on=["year", "firm_id"], how="left")
    rows = rows.sort_values(["firm_id", "year"])
    # A year with an unusable location borrows the firm's units from its nearest other year.
    earlier = rows.groupby("firm_id")["city_units"].ffill()
    later = rows.assign(city_units=earlier).groupby("firm_id")["city_units"].bfill()
    rows["city_units"] = earlier.fillna(later)
    keys = ["year", "firm_name", "city_units", "class_2011"]
    first = rows.groupby("firm_id")["year"].transform("min")
    last = rows.groupby("firm_id")["year"].transform("max")
    newcomers = rows.loc[rows["year"] == first, ["firm_id", *keys]].dropna()
    leavers = rows.loc[rows["year"] == last, ["firm_id", *keys]].dropna()
    leavers["year"] += 1
    leavers = leavers[leavers["year"].isin(set(rows["year"]))]
    links = newcomers.merge(leavers, on=keys, suffixes=("", "_before"))
    links = links[
        (links.groupby("firm_id")["firm_id"].transform("size") == 1)
        & (links.groupby("firm_id_before")["firm_id"].transform("size") == 1)
    ]
    predecessor = dict(zip(links["firm_id"], links["firm_id_before"], strict=True))
    panel = {}
    for firm in rows["firm_id"].unique():
        root = firm
        while root in predecessor:
            root = predecessor[root]
        panel[firm] = root
    return pd.Series(panel, name="panel_id")


def round_half_away(values: pd.Series, decimals: int) -> pd.Series:
    """Rounded half away from zero, like SQL's round() and a cast to DECIMAL (pandas' round
    is half to even): a tie otherwise moves a value by one unit of its last decimal."""
    scale = 10.0**decimals
    scaled = values * scale
    return np.trunc(scaled + np.copysign(0.5, scaled)) / scale


def estimate_value_added(df: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The first value added from the ASIF alone and whether it was imputed from donor
    medians (see `impute_value_added`, steps 1–5)."""
    df = df.sort_values(["panel_id", "year"])
    vat = df["vat_payable"]
    production = df["gross_output"] - df["intermediate_input"] + vat.fillna(0)
    observed = df["value_added"].fillna(production)
    ratio = observed / df["gross_output"]
    reports_vat = vat > 0
    vat_share = (vat / observed).where(reports_vat & (vat < observed))
    by_panel = df["panel_id"]
    panel_last = ratio.groupby(by_panel).shift(1).groupby(by_panel).ffill()
    panel_share = vat_share.groupby(by_panel).shift(1).groupby(by_panel).ffill()
    own_share = observed.isna() & reports_vat & panel_share.notna()
    need = observed.isna() & panel_last.isna() & ~own_share
    keys = {
        1: df["city_code"] + "/" + df["division_2011"] + "/" + df["ownership_group"],
        2: df["division_2011"] + "/" + df["ownership_group"],
        3: df["city_code"] + "/" + df["division_2011"],
        4: df["division_2011"],
        5: pd.Series("all", index=df.index),
    }
    borrowed = pd.Series(np.nan, index=df.index)
    borrowed_share = pd.Series(np.nan, index=df.index)
    for rank in (5, 4, 3, 2, 1):  # the most specific key available wins: it is applied last
        frame = pd.DataFrame(
            {"key": keys[rank], "year": df["year"], "ratio": ratio, "share": vat_share}
        )
        donors = (
            frame[ratio.notna()]
            .groupby(["key", "year"])
            .agg(median=("ratio", "median"), share=("share", "median"), size=("ratio", "size"))
        )
        if rank <= 3:
            donors = donors[donors["size"] >= MIN_DONORS]
        wanted = frame.loc[need, ["key", "year"]].drop_duplicates()
        options = wanted.merge(donors.reset_index(), on="key", suffixes=("", "_donor"))
        options["distance"] = (options["year_donor"] - options["year"]).abs()
        nearest = options.sort_values(["key", "year", "distance", "year_donor"]).drop_duplicates(
            ["key", "year"]
        )
        found = frame.loc[need, ["key", "year"]].reset_index().merge(nearest, on=["key", "year"])
        borrowed.loc[found["index"]] = found["median"].to_numpy()
        borrowed_share.loc[found["index"]] = found["share"].to_numpy()
    with_vat = reports_vat & borrowed_share.notna()
    estimate = (
        (df["gross_output"] * panel_last)
        .where(panel_last.notna(), df["gross_output"] * borrowed)
        .where(
            panel_last.notna() | ~with_vat,
            np.sqrt(df["gross_output"] * borrowed * vat / borrowed_share),
        )
        .where(~own_share, vat / panel_share)
    )
    return observed.fillna(round_half_away(estimate, 3)), need & borrowed.notna()


def yearbook_units(cells: pd.DataFrame) -> pd.DataFrame:
    """Printed gross output and value added (thousand yuan) by (year, city_code, vintage,
    division, ownership_group) of the registration groups of every printed division, for
    the city unit: a parent city's printed values less those of its county-level cities,
    whose firms are units of their own."""
    keys = ["year", "city_code", "vintage", "division", "ownership_group"]
    printed = cells[
        cells["ownership"].isin(["domestic", "hmt", "foreign"])
        & cells["printed"].notna()
        & (cells["printed"] != "C")
        & cells["measure"].isin(["gross_output", "value_added"])
    ].rename(columns={"printed": "division", "ownership": "ownership_group"})
    # The warehouse keeps printed values as DECIMAL(28, 4): the same rounding here keeps the
    # benchmark's tolerances comparing the same numbers.
    printed = printed.assign(value=round_half_away(printed["value"], 4))
    wide = (
        printed.groupby([*keys, "measure"])["value"]
        .max()
        .unstack("measure")
        .reindex(columns=["gross_output", "value_added"])
    )
    cities = seed("cities")
    parents = cities[cities["level"] == "county_city"].set_index("city_code")["parent_code"]
    children = wide.reset_index()
    children = children[children["city_code"].isin(parents.index)]
    children["city_code"] = children["city_code"].map(parents)
    # A missing child cell takes nothing away (sum of no values = 0).
    taken_out = children.groupby(keys)[["gross_output", "value_added"]].sum()
    return wide.sub(taken_out.reindex(wide.index).fillna(0.0))


def benchmark_value_added(
    df: pd.DataFrame, first: pd.Series, donor: pd.Series, yearbook: pd.DataFrame
) -> pd.Series:
    """Steps 6–7 of `impute_value_added`: donor-imputed value added benchmarked to the
    yearbooks' printed cells, then carried to the firm's other years by its VAT/VA share."""
    keys = ["year", "city_code", "vintage", "division", "ownership_group"]
    df = df.sort_values(["panel_id", "year"])
    first, donor = first.reindex(df.index), donor.reindex(df.index)
    frame = df[["year", "city_code", "vintage", "ownership_group", "gross_output"]].assign(
        division=df["industry_code"].str[:2],
        known=first.where(~donor),
        donor_estimate=first.where(donor),
        donor=donor,
    )
    cells = (
        frame[frame["city_code"].notna() & frame["division"].notna()]
        .groupby(keys)
        .agg(
            asif_gross_output=("gross_output", "sum"),
            known=("known", "sum"),
            donor_estimate=("donor_estimate", "sum"),
            donors=("donor", "sum"),
        )
    )
    cells = cells[cells["donors"] > 0].join(yearbook, how="inner")
    residual = cells["value_added"] - cells["known"]
    estimates = cells["donor_estimate"]
    # Same firms (gross output within the printed rounding), donor estimates large enough for
    # that rounding to be noise, and a factor within the plausible band: else the two sources
    # do not describe the same value added.
    benchmarked = (
        ((cells["asif_gross_output"] - cells["gross_output"]).abs() <= BENCHMARK_ROUNDING)
        & (estimates >= 100 * BENCHMARK_ROUNDING)
        & residual.between(estimates / BENCHMARK_MAX_FACTOR, estimates * BENCHMARK_MAX_FACTOR)
    )
    factors = pd.DataFrame({"residual": residual, "estimates": estimates})[benchmarked]
    matched = frame[donor].reset_index().merge(factors.reset_index(), on=keys)
    # The order of the warehouse's double arithmetic: estimate × residual, then ÷ the sum.
    scaled = round_half_away(
        matched["donor_estimate"] * matched["residual"] / matched["estimates"], 3
    )
    bench = pd.Series(np.nan, index=df.index)
    bench.loc[matched["index"]] = scaled.to_numpy()
    is_benchmarked = bench.notna()

    # A benchmarked year's VAT/VA share, carried to the panel's nearest other year (the
    # earlier on a tie) for donor-imputed years that report VAT but were not benchmarked.
    vat = df["vat_payable"]
    share = (vat / bench).where((vat > 0) & (vat < bench))
    share_year = df["year"].where(share.notna())
    by_panel = df["panel_id"]

    def carried(values: pd.Series, step: int) -> pd.Series:
        shifted = values.groupby(by_panel).shift(step).groupby(by_panel)
        return shifted.ffill() if step > 0 else shifted.bfill()

    previous_share, previous_year = carried(share, 1), carried(share_year, 1)
    next_share, next_year = carried(share, -1), carried(share_year, -1)
    take_previous = next_year.isna() | (df["year"] - previous_year <= next_year - df["year"])
    nearest = previous_share.where(take_previous, next_share)
    uses_share = donor & ~is_benchmarked & (vat > 0) & nearest.notna()
    return first.where(~is_benchmarked, bench).where(~uses_share, round_half_away(vat / nearest, 3))


def impute_value_added(df: pd.DataFrame, yearbook: pd.DataFrame) -> pd.Series:
    """Reported VA; else gross output − intermediate input + VAT; else
    1. VAT payable ÷ the panel's last observed VAT/VA share;
    2. else gross output × the panel's last observed VA/GO ratio;
    3. else the nearest-year median ratio of similar firms (city × division × ownership,
       division × ownership, city × division — each needing MIN_DONORS observed firms —
       then division, then all firms),
    4. combined, when the firm reports VAT and that key's donors have a median VAT/VA share,
       with VAT ÷ that share (geometric mean);
    5. rounded to 0.001 thousand yuan — the first value;
    6. the donor-based values of 3.–4. of a city unit × year × printed division × ownership
       group cell whose ASIF gross output matches the yearbook's (`yearbook_units`, within
       BENCHMARK_ROUNDING), with donor estimates ≥ 100 × BENCHMARK_ROUNDING and a residual
       (printed VA − the cell's other firm-years' VA) within BENCHMARK_MAX_FACTOR of them, are
       scaled to that residual: estimate × residual ÷ the cell's donor estimates;
    7. the other donor-based values of firms reporting VAT: VAT ÷ the firm's VAT/VA share in
       its nearest benchmarked year (ties: the earlier).
    The warehouse's int_firm_years_va_estimates (1.–5.), int_value_added_benchmarks and
    int_firm_years_value_added (6.–7.)."""
    first, donor = estimate_value_added(df)
    return benchmark_value_added(df, first, donor, yearbook)


def share(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator).where(denominator != 0)


def asif_indicators(firms: pd.DataFrame, yearbook: pd.DataFrame) -> pd.DataFrame:
    """The ASIF indicators; `yearbook` (`yearbook_units`) benchmarks imputed value added."""
    # Exact duplicate rows are one record printed twice.
    firms = firms.drop_duplicates(subset=["year", *ASIF_COLUMNS], ignore_index=True)
    valid_location = firms["location_code"].str.fullmatch(r"\d{6}|\d{12}").fillna(False)
    firms["loc6"] = firms["location_code"].where(valid_location.astype(bool)).str[:6]
    firms["vintage"] = firms["year"].map(year_vintages("asif"))
    classes = seed("industry_codes").query("level == 'class'")
    classes = classes.assign(
        is_manufacturing=classes["is_manufacturing"] == "true",
        is_ict=classes["is_ict"] == "true",
        industry_code=classes["code"],
    )
    firms = firms.merge(
        classes[["vintage", "industry_code", "division", "is_manufacturing", "is_ict"]],
        on=["vintage", "industry_code"],
        how="left",
    )
    owners = seed("registration_types").set_index("code")["ownership_group"]
    firms["ownership_group"] = firms["registration_type"].map(owners)
    crosswalk = seed("industry_crosswalk").query("from_level == 'class'")
    crosswalk = crosswalk.assign(weight=crosswalk["weight"].astype(float))
    primary = crosswalk.sort_values(["weight", "to_code"], ascending=[False, True])
    primary = primary.drop_duplicates(["from_vintage", "from_code"]).set_index(
        ["from_vintage", "from_code"]
    )["to_code"]
    firms["class_2011"] = primary.reindex(
        pd.MultiIndex.from_arrays([firms["vintage"], firms["industry_code"]])
    ).to_numpy()
    firms["division_2011"] = firms["class_2011"].str[:2]

    units = city_units(firms)
    panel = firm_panel(firms, units)
    own_unit = units.loc[units["is_primary"], ["year", "firm_id", "city_code"]]
    kept = firms[
        firms["firm_id"].notna()
        & (firms["gross_output"] > 0)
        & firms["division"].notna()
        & firms["ownership_group"].notna()
        & firms["class_2011"].notna()
    ].merge(own_unit, on=["year", "firm_id"])
    kept["panel_id"] = kept["firm_id"].map(panel)
    kept["value_added"] = impute_value_added(kept, yearbook)

    # Every unit a firm counts toward (a Kunshan firm also counts toward Suzhou).
    rows = kept.drop(columns="city_code").merge(
        units[["year", "firm_id", "city_code"]], on=["year", "firm_id"]
    )
    ict = rows["is_ict"].astype(bool)
    fie = ict & rows["ownership_group"].isin(["hmt", "foreign"])
    rows["mfg_go"] = rows["gross_output"].where(rows["is_manufacturing"].astype(bool), 0.0)
    rows["ict_go"] = rows["gross_output"].where(ict, 0.0)
    rows["ict_va"] = rows["value_added"].where(ict, 0.0)
    rows["ict_va_fie"] = rows["value_added"].where(fie, 0.0)
    rows["ict_export"] = rows["export_value"].where(ict)
    totals = rows.groupby(["city_code", "year"]).agg(
        mfg_go=("mfg_go", "sum"),
        ict_go=("ict_go", "sum"),
        ict_va=("ict_va", "sum"),
        ict_va_fie=("ict_va_fie", "sum"),
        ict_export=("ict_export", lambda s: s.sum(min_count=1)),
    )
    out = [
        totals.assign(
            indicator_id="ict_share_mfg_output", value=share(totals["ict_go"], totals["mfg_go"])
        ),
        totals.assign(
            indicator_id="fdi_dependency_ict_va",
            value=share(totals["ict_va_fie"], totals["ict_va"]),
        ),
        totals.assign(
            indicator_id="export_intensity_ict",
            value=share(totals["ict_export"], totals["ict_go"]),
        ),
    ]
    out = [frame.assign(breakdown="total") for frame in out]

    # Segment output: gross output × the crosswalk weight of each class in a segment.
    segments = seed("ict_segment_map")[["code_2011", "segment"]]
    weighted = (
        rows[["city_code", "year", "vintage", "industry_code", "gross_output"]]
        .merge(
            crosswalk, left_on=["vintage", "industry_code"], right_on=["from_vintage", "from_code"]
        )
        .merge(segments, left_on="to_code", right_on="code_2011")
    )
    weighted["output"] = weighted["gross_output"] * weighted["weight"]
    by_segment = weighted.groupby(["city_code", "year", "segment"])["output"].sum()
    for segment in sorted(segments["segment"].unique()):
        numerator = by_segment.xs(segment, level="segment").reindex(totals.index).fillna(0.0)
        out.append(
            totals.assign(
                indicator_id="ict_segment_share",
                breakdown=segment,
                value=share(numerator, totals["ict_go"]),
            )
        )
    return pd.concat(out).reset_index().assign(source="asif")[KEYS]


# fdi_city indicators -----------------------------------------------------------------------


def parse_fdi(cells: pd.DataFrame) -> pd.DataFrame:
    """Printed yearbook cells with values in thousand yuan, canonical ownership and measure,
    the year's vintage and the printed division code (`printed`); cells without a value
    dropped."""
    if cells.empty:
        return cells.assign(value=cells["value"].astype("float64"), vintage=None, printed=None)
    cells = cells.copy()
    value = cells["value"].astype("str").str.replace(",", "").str.strip()
    cells["value"] = pd.to_numeric(value.where(~value.isin(NOT_AVAILABLE)), errors="coerce")
    labels = seed("fdi_value_map")
    labels["key"] = labels["raw_value"].str.strip().str.lower()
    for field in ("ownership", "measure"):
        mapping = labels[labels["field"] == field].set_index("key")["canonical"]
        cells[field] = cells[field].astype("str").str.strip().str.lower().map(mapping)
    factors = labels[labels["field"] == "unit"].set_index("key")["to_thousand_yuan"].astype(float)
    unit = cells["unit"].astype("str").str.strip().str.lower()
    cells["value"] = cells["value"] * unit.map(factors)
    cells["vintage"] = cells["year"].map(year_vintages("fdi_city"))
    # Printed division codes (a lost leading zero restored), else the printed name.
    code = as_code(cells["industry_code"].astype(object)).str.upper()
    short = code.str.fullmatch(r"\d{1,2}").fillna(False).astype(bool)
    code = code.where(~short, code.str.zfill(2))
    names = seed("fdi_division_names")
    by_name = (
        names.assign(name=names["name_printed"].str.strip())
        .drop_duplicates(["vintage", "name"])
        .set_index(["vintage", "name"])["division_code"]
    )
    printed_names = cells["industry_name"].astype("str").str.strip()
    named = by_name.reindex(pd.MultiIndex.from_arrays([cells["vintage"], printed_names]))
    cells["printed"] = code.fillna(pd.Series(named.to_numpy(), index=cells.index))
    return cells[cells["value"].notna()]


def fdi_indicators(cells: pd.DataFrame) -> pd.DataFrame:
    """The fdi_city indicators from the parsed cells (`parse_fdi`)."""
    if cells.empty:
        return pd.DataFrame(columns=KEYS)
    divisions = seed("industry_codes").query("level == 'division'")
    divisions = divisions.assign(printed=divisions["code"], is_ict=divisions["is_ict"] == "true")
    cells = cells.merge(
        divisions[["vintage", "printed", "is_ict"]], on=["vintage", "printed"], how="left"
    )
    cells["is_ict"] = cells["is_ict"].fillna(False).astype(bool)
    crosswalk = seed("industry_crosswalk").query("from_level == 'division'")
    cells = cells.merge(
        crosswalk[["from_vintage", "from_code", "to_code", "weight"]],
        left_on=["vintage", "printed"],
        right_on=["from_vintage", "from_code"],
        how="left",
    )
    cells["division"] = cells["to_code"].fillna(cells["printed"])
    cells["value"] = cells["value"] * cells["weight"].astype(float).fillna(1.0)
    harmonised = (
        cells.groupby(["city_code", "year", "division", "ownership", "measure"])
        .agg(is_ict=("is_ict", "any"), value=("value", "sum"))
        .reset_index()
    )
    index = harmonised.groupby(["city_code", "year"]).size().index

    def total(mask: pd.Series) -> pd.Series:
        return harmonised[mask].groupby(["city_code", "year"])["value"].sum().reindex(index)

    ict, owner, measure = harmonised["is_ict"], harmonised["ownership"], harmonised["measure"]
    mfg_go = total(
        (harmonised["division"] == "C") & (owner == "total") & (measure == "gross_output")
    )
    ict_go = total(ict & (owner == "total") & (measure == "gross_output"))
    va = {
        group: total(ict & (owner == group) & (measure == "value_added"))
        for group in ("total", "hmt", "foreign", "fie")
    }
    fie_va = (va["hmt"] + va["foreign"]).fillna(va["fie"])
    frame = pd.concat(
        [
            pd.DataFrame({"indicator_id": "ict_share_mfg_output", "value": share(ict_go, mfg_go)}),
            pd.DataFrame(
                {"indicator_id": "fdi_dependency_ict_va", "value": share(fie_va, va["total"])}
            ),
        ]
    ).reset_index()
    return frame.assign(breakdown="total", source="fdi_city")[KEYS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.pandas_peer")
    parser.add_argument("catalog", type=Path, help="catalog root (catalog.json + files)")
    parser.add_argument("out", type=Path, help="Parquet file to write the indicators to")
    parser.add_argument("--timings", type=Path, help="write phase timings (JSON) here")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    asif_files, fdi_files = effective_files(args.catalog)
    firms = read_asif(args.catalog, asif_files)
    cells = read_fdi(args.catalog, fdi_files)
    read_done = time.perf_counter()
    cells = parse_fdi(cells)
    result = pd.concat(
        [asif_indicators(firms, yearbook_units(cells)), fdi_indicators(cells)], ignore_index=True
    )
    result["year"] = result["year"].astype("int32")
    result = result.sort_values(KEYS[:5], ignore_index=True)
    result.to_parquet(args.out, index=False)
    end = time.perf_counter()
    if args.timings:
        timings = {
            "read_s": read_done - start,
            "compute_s": end - read_done,
            "total_s": end - start,
        }
        args.timings.write_text(json.dumps(timings, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
