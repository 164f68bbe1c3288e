"""The plain-pandas peer of `make bench`: what a researcher would write in a notebook to get
the headline indicators from the raw release files, without citygvc.

`python -m tools.bench.pandas_peer CATALOG OUT.parquet [--timings FILE]`

It reads the catalog's effective releases (highest revision per ASIF year, per fdi_city year
and city) with pandas' own readers (`pd.read_stata`, `read_csv`, `read_parquet`,
`read_excel`), renames columns with the column-map seed, maps codes with the seeds (admin
codes, classification vintages, industry codes, 1994 groups and their concordance, crosswalk,
segment map, registration types, yearbook labels) and recomputes everything from scratch — the
same cleaning, city units, firm panel and value-added imputation as the warehouse, donor-imputed
value added benchmarked to the city yearbooks' printed division × ownership cells
(`impute_value_added`) — for

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
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tools.bench.peer_read import (
    ASIF_COLUMNS,
    as_code,
    effective_files,
    read_asif,
    read_fdi,
    seed,
    year_vintages,
)
from tools.bench.peer_value_added import impute_value_added, yearbook_units

NOT_AVAILABLE = ["", "-", "—", "——", "–", "－", "…", "……", "..."]
KEYS = ["city_code", "year", "indicator_id", "breakdown", "source", "value"]


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


def share(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator).where(denominator != 0)


def industry_classes() -> pd.DataFrame:
    """(vintage, code) → division and flags of the codes firm-years are classified on: the
    classes of industry_codes and the official 1994 groups (GB/T 4754-1994 has no official
    four-digit list): manufacturing = section C, ICT = division 41."""
    classes = seed("industry_codes").query("level == 'class'")
    groups = seed("gbt4754_1994_groups")
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "vintage": classes["vintage"],
                    "code": classes["code"],
                    "division": classes["division"],
                    "is_manufacturing": classes["is_manufacturing"] == "true",
                    "is_ict": classes["is_ict"] == "true",
                }
            ),
            pd.DataFrame(
                {
                    "vintage": "1994",
                    "code": groups["group_code"],
                    "division": groups["division_code"],
                    "is_manufacturing": groups["section"] == "C",
                    "is_ict": groups["division_code"] == "41",
                }
            ),
        ],
        ignore_index=True,
    )


def class_weights() -> pd.DataFrame:
    """(vintage, code, to_code, weight): the crosswalk's class rows to 2011 classes and, per
    1994 group, its concordance weight to a 2002 class × that class's 2002 → 2011 weight,
    summed per 2011 class."""
    crosswalk = seed("industry_crosswalk").query("from_level == 'class'")
    classes = pd.DataFrame(
        {
            "vintage": crosswalk["from_vintage"],
            "code": crosswalk["from_code"],
            "to_code": crosswalk["to_code"],
            "weight": crosswalk["weight"].astype(float),
        }
    )
    concordance = seed("industry_concordance_1994")
    via = concordance.merge(
        classes[classes["vintage"] == "2002"], left_on="code_2002", right_on="code"
    )
    via["weight"] = via["weight_x"].astype(float) * via["weight_y"]
    groups = via.groupby(["group_1994", "to_code"], as_index=False)["weight"].sum()
    # Exact products of 6-decimal weights have 12 decimals: rounding the double sums there
    # makes equal weights equal, so ties go to the lower code as in the warehouse's DECIMALs.
    groups = groups.assign(
        vintage="1994", code=groups["group_1994"], weight=groups["weight"].round(12)
    )
    return pd.concat([classes, groups[list(classes.columns)]], ignore_index=True)


def classify(firms: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """The year's vintage, the code a firm-year is classified on (`classification_code`: its
    industry code, in 1994 its first three digits), division, flags, ownership group and most
    representative 2011 class (largest weight, ties the lower code)."""
    firms["vintage"] = firms["year"].map(year_vintages("asif"))
    firms["classification_code"] = firms["industry_code"].where(
        firms["vintage"] != "1994", firms["industry_code"].str[:3]
    )
    classes = industry_classes().rename(columns={"code": "classification_code"})
    firms = firms.merge(classes, on=["vintage", "classification_code"], how="left")
    owners = seed("registration_types").set_index("code")["ownership_group"]
    firms["ownership_group"] = firms["registration_type"].map(owners)
    primary = weights.sort_values(["weight", "to_code"], ascending=[False, True])
    primary = primary.drop_duplicates(["vintage", "code"]).set_index(["vintage", "code"])
    firms["class_2011"] = (
        primary["to_code"]
        .reindex(pd.MultiIndex.from_arrays([firms["vintage"], firms["classification_code"]]))
        .to_numpy()
    )
    firms["division_2011"] = firms["class_2011"].str[:2]
    return firms


def asif_indicators(firms: pd.DataFrame, yearbook: pd.DataFrame) -> pd.DataFrame:
    """The ASIF indicators; `yearbook` (`yearbook_units`) benchmarks imputed value added."""
    # Exact duplicate rows are one record printed twice.
    firms = firms.drop_duplicates(subset=["year", *ASIF_COLUMNS], ignore_index=True)
    valid_location = firms["location_code"].str.fullmatch(r"\d{6}|\d{12}").fillna(False)
    firms["loc6"] = firms["location_code"].where(valid_location.astype(bool)).str[:6]
    weights = class_weights()
    firms = classify(firms, weights)

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
    return unit_indicators(rows, weights)


def unit_indicators(rows: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """The indicators of each city unit × year from its firm-years (`rows`, one per unit a
    firm counts toward) and the class weights to 2011 classes (segments)."""
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

    # Segment output: gross output × the weight of each 2011 class in a segment.
    segments = seed("ict_segment_map")[["code_2011", "segment"]]
    weighted = (
        rows[["city_code", "year", "vintage", "classification_code", "gross_output"]]
        .merge(weights, left_on=["vintage", "classification_code"], right_on=["vintage", "code"])
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
