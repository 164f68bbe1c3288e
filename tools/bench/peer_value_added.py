"""Value added of the plain-pandas peer (`tools.bench.pandas_peer`): the warehouse's
imputation rules re-implemented in pandas — estimates from the ASIF alone, then donor-based
values benchmarked to the city yearbooks' printed cells."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tools.bench.peer_read import seed

# A city/ownership-specific median VA/GO ratio needs this many observed firms (the
# warehouse's dbt var va_imputation_min_donors).
MIN_DONORS = 20
# Yearbook benchmarks of donor-imputed value added (dbt vars va_benchmark_rounding, thousand
# yuan: the largest rounding of a printed cell; va_benchmark_max_factor).
BENCHMARK_ROUNDING = 20
BENCHMARK_MAX_FACTOR = 2


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
    return carry_benchmarks(df, first, donor, bench)


def carry_benchmarks(
    df: pd.DataFrame, first: pd.Series, donor: pd.Series, bench: pd.Series
) -> pd.Series:
    """Benchmarked values where there are; elsewhere a benchmarked year's VAT/VA share,
    carried to the panel's nearest other year (the earlier on a tie) for donor-imputed years
    that report VAT but were not benchmarked. `df` is sorted by panel and year."""
    is_benchmarked = bench.notna()
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
