"""Ground truth of every indicator of docs/marts.md, from the clean records alone.

This module shares nothing with the warehouse but the published seeds (code lists, crosswalk
weights, segment map, registration groups). Conventions (README "Ground truth"):
- asif: the records of each year's effective release (the highest revision), exact duplicates
  counted once; firm-years with gross output <= 0 or an invalid location code are left out of
  every city aggregate. `lq_ict`'s national ratio covers every firm-year of the release with
  gross output > 0, whatever its location code. Entry and exit compare persistent firm identity
  with every record of the neighbouring year's release, and are NULL when that release is not
  in the catalog.
- fdi_city: the cells as the tables print them, converted to thousand yuan.
- Kunshan (320583) is a unit of its own and part of Suzhou (320500).
- RCA, ECI / PCI, relatedness, variety, shift-share and EG: truth_geography.py.
- NULL when a denominator is 0, and `top4_share_ict` below 4 ICT firms.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.warehouse.seeds import load_seed
from tools.sample_releases.truth_geography import GeographyTruth

KUNSHAN = "320583"
SEGMENTS = (
    "computers",
    "parts_peripherals",
    "telecom_equipment",
    "handsets",
    "consumer_electronics",
    "components_devices",
    "other_ict",
)
NEEDED = (
    "firm_key",
    "city_code",
    "county_code",
    "location_valid",
    "industry_code",
    "industry_vintage",
    "registration_type",
    "gross_output",
    "value_added",
    "sales",
    "export_value",
    "paid_in_capital",
    "capital_hmt",
    "capital_foreign",
)
COLUMNS = ["city_code", "year", "indicator_id", "breakdown", "source", "value"]


def _flags() -> pd.DataFrame:
    """Flags of the listed codes, and of the official 1994 groups (a 1998-2002 code counts by
    its first three digits): manufacturing = section C, ICT = division 41."""
    codes = load_seed("industry_codes")
    groups = load_seed("gbt4754_1994_groups")
    listed = pd.DataFrame(
        {
            "industry_vintage": codes.vintage,
            "industry_code": codes.code,
            "is_mfg": codes.is_manufacturing.eq("true"),
            "is_ict": codes.is_ict.eq("true"),
        }
    )
    groups_1994 = pd.DataFrame(
        {
            "industry_vintage": "1994",
            "industry_code": groups.group_code,
            "is_mfg": groups.section.eq("C"),
            "is_ict": groups.division_code.eq("41"),
        }
    )
    return pd.concat([listed, groups_1994], ignore_index=True)


def _class_weights() -> pd.DataFrame:
    """Weights to 2011 classes of each class, and of each 1994 group: its concordance weight to
    a 2002 class times that class's 2002 -> 2011 weight, summed per 2011 class."""
    xw = load_seed("industry_crosswalk")
    xw = xw[xw.from_level == "class"]
    classes = pd.DataFrame(
        {
            "industry_vintage": xw.from_vintage,
            "industry_code": xw.from_code,
            "to_code": xw.to_code,
            "weight": xw.weight.astype(float),
        }
    )
    concordance = load_seed("industry_concordance_1994")
    via_2002 = concordance.merge(
        classes[classes.industry_vintage == "2002"], left_on="code_2002", right_on="industry_code"
    )
    via_2002["weight"] = via_2002.weight_x.astype(float) * via_2002.weight_y
    groups = (
        via_2002.groupby(["group_1994", "to_code"], as_index=False)
        .weight.sum()
        .rename(columns={"group_1994": "industry_code"})
        .assign(industry_vintage="1994")
    )
    weights = pd.concat([classes, groups[list(classes.columns)]], ignore_index=True)
    seg = load_seed("ict_segment_map").set_index("code_2011").segment
    return weights.assign(segment=weights.to_code.map(seg))


def _total(frame: pd.DataFrame, column: str, units: pd.Index) -> pd.Series:
    return frame.groupby("city_code")[column].sum().reindex(units, fill_value=0)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den != 0)).astype(float)


def _rows(values: pd.Series, indicator: str, breakdown: str, year: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "city_code": values.index.astype(str),
            "year": year,
            "indicator_id": indicator,
            "breakdown": breakdown,
            "source": "asif",
            "value": values.to_numpy(dtype=float),
        }
    )


def _ict_rows(
    ict: pd.DataFrame, ict_go: pd.Series, units: pd.Index, year: int
) -> list[pd.DataFrame]:
    """FDI dependency, export intensity and the value-added ratio of ICT."""
    out = []
    for measure, indicator in (
        ("value_added", "fdi_dependency_ict_va"),
        ("gross_output", "fdi_dependency_ict_output"),
    ):
        den = _total(ict, measure, units)
        for breakdown, mask in (
            ("total", ict.own.isin(["hmt", "foreign"])),
            ("hmt", ict.own.eq("hmt")),
            ("foreign", ict.own.eq("foreign")),
            ("cap25", ict.cap25),
        ):
            share = _ratio(_total(ict[mask], measure, units), den)
            out.append(_rows(share, indicator, breakdown, year))
    exports = _ratio(_total(ict, "export_value", units), ict_go)
    va_ratio = _ratio(_total(ict, "value_added", units), ict_go)
    return [
        *out,
        _rows(exports, "export_intensity_ict", "total", year),
        _rows(va_ratio, "va_ratio_ict", "total", year),
    ]


class AsifTruth:
    """Indicators of consecutive ASIF years, fed one year's clean records at a time (so a
    national run never holds every firm-year in memory)."""

    def __init__(self) -> None:
        self.flags = _flags()
        self.weights = _class_weights()
        self.groups = load_seed("registration_types").set_index("code").ownership_group
        self.geography = GeographyTruth()
        self.parts: list[pd.DataFrame] = []
        self.previous: tuple[int, np.ndarray, pd.DataFrame] | None = None

    def add(self, year: int, records: pd.DataFrame) -> None:
        recs = self._classified(records)
        positive = recs.gross_output > 0
        national = recs[positive]
        lq_base = _ratio(
            pd.Series([national.gross_output[national.is_ict].sum()]),
            pd.Series([national.gross_output[national.is_mfg].sum()]),
        )[0]
        kept = self._kept(recs[positive & recs.location_valid])
        units = pd.Index(sorted(kept.city_code.unique()), name="city_code")
        ict = kept[kept.is_ict]
        mfg = kept[kept.is_mfg]
        mfg_go, ict_go = _total(mfg, "gross_output", units), _total(ict, "gross_output", units)
        big = kept[kept.sales >= 20_000]
        big_share = _ratio(
            _total(big[big.is_ict], "gross_output", units),
            _total(big[big.is_mfg], "gross_output", units),
        )
        self.parts += [
            _rows(mfg_go, "mfg_output", "total", year),
            _rows(ict_go, "ict_output", "total", year),
            _rows(_ratio(ict_go, mfg_go), "ict_share_mfg_output", "total", year),
            _rows(big_share, "ict_share_mfg_output", "threshold_20m", year),
        ]
        n_ict = ict.groupby("city_code").size().reindex(units, fill_value=0)
        harm = self._harmonised(mfg)
        self.parts += [
            *self._segments(ict, ict_go, units, year),
            *_ict_rows(ict, ict_go, units, year),
            *self._structure(ict, mfg, harm, units, n_ict, year),
            _rows(_ratio(ict_go, mfg_go) / lq_base, "lq_ict", "total", year),
            _rows(n_ict.astype(float), "firms_ict", "total", year),
            *self._turnover(recs.firm_key.to_numpy(), ict, units, n_ict, year),
            *self.geography.add(year, harm, units),
        ]

    def _classified(self, records: pd.DataFrame) -> pd.DataFrame:
        """The needed columns with the flags of the code; 1994 codes count by their official
        group (first three digits), for flags and weights alike."""
        recs = records[list(NEEDED)]
        recs = recs.assign(
            industry_code=recs.industry_code.where(
                recs.industry_vintage != "1994", recs.industry_code.str.slice(0, 3)
            )
        )
        return recs.merge(self.flags, how="left", on=["industry_vintage", "industry_code"])

    def _kept(self, kept: pd.DataFrame) -> pd.DataFrame:
        """Ownership group, the capital-share flag, and Kunshan's firms again as a unit."""
        kept = kept.copy()
        kept["own"] = kept.registration_type.map(self.groups)
        share = (kept.capital_hmt + kept.capital_foreign) / kept.paid_in_capital.where(
            kept.paid_in_capital > 0
        )
        kept["cap25"] = share >= 0.25
        kunshan = kept[kept.county_code == KUNSHAN].assign(city_code=KUNSHAN)
        return pd.concat([kept, kunshan], ignore_index=True)

    def _harmonised(self, mfg: pd.DataFrame) -> pd.DataFrame:
        """Manufacturing firm-years split over 2011 classes: `part` = weight x gross output."""
        harm = mfg.merge(self.weights, on=["industry_vintage", "industry_code"])
        harm["division"] = harm.to_code.str.slice(0, 2)
        harm["part"] = harm.gross_output * harm.weight
        return harm

    def _segments(
        self, ict: pd.DataFrame, ict_go: pd.Series, units: pd.Index, year: int
    ) -> list[pd.DataFrame]:
        seg = ict.merge(self.weights, on=["industry_vintage", "industry_code"])
        seg["part"] = seg.gross_output * seg.weight
        by_seg = seg.groupby(["segment", "city_code"]).part.sum()
        out = []
        for s in SEGMENTS:
            part = by_seg.loc[s] if s in by_seg.index.get_level_values(0) else pd.Series()
            share = _ratio(part.reindex(units, fill_value=0), ict_go)
            out.append(_rows(share, "ict_segment_share", s, year))
        return out

    def _structure(
        self,
        ict: pd.DataFrame,
        mfg: pd.DataFrame,
        harm: pd.DataFrame,
        units: pd.Index,
        n_ict: pd.Series,
        year: int,
    ) -> list[pd.DataFrame]:
        """Concentration: top-4 share of ICT output, HHI of harmonised manufacturing divisions."""
        ict_go = _total(ict, "gross_output", units)
        ranked = ict.sort_values(["city_code", "gross_output"], ascending=[True, False])
        top4 = ranked.groupby("city_code").head(4).groupby("city_code").gross_output.sum()
        top4 = _ratio(top4.reindex(units, fill_value=0), ict_go).where(n_ict >= 4)
        div = harm.groupby(["city_code", "division"]).part.sum()
        shares = div / div.groupby(level="city_code").transform("sum")
        hhi = (shares**2).groupby(level="city_code").sum().reindex(units)
        mfg_go = _total(mfg, "gross_output", units)
        return [
            _rows(top4, "top4_share_ict", "total", year),
            _rows(hhi.where(mfg_go > 0), "hhi_mfg", "total", year),
        ]

    def _turnover(
        self, keys: np.ndarray, ict: pd.DataFrame, units: pd.Index, n_ict: pd.Series, year: int
    ) -> list[pd.DataFrame]:
        """Entry and exit against the previous year's release (NULL without it); remembers
        this year's firms for the next."""
        entry = pd.Series(np.nan, index=units)
        exit_ = pd.Series(np.nan, index=units)
        if self.previous is not None and self.previous[0] == year - 1:
            _, prev_keys, prev_ict = self.previous
            new = ict[~np.isin(ict.firm_key.to_numpy(), prev_keys)]
            entry = _ratio(new.groupby("city_code").size().reindex(units, fill_value=0), n_ict)
            gone = prev_ict[~np.isin(prev_ict.firm_key.to_numpy(), keys)]
            n_prev = prev_ict.groupby("city_code").size().reindex(units, fill_value=0)
            exit_ = _ratio(gone.groupby("city_code").size().reindex(units, fill_value=0), n_prev)
        self.previous = (year, keys, ict[["city_code", "firm_key"]])
        return [
            _rows(entry, "entry_rate_ict", "total", year),
            _rows(exit_, "exit_rate_ict", "total", year),
        ]

    def result(self) -> pd.DataFrame:
        return (
            pd.concat(self.parts, ignore_index=True)
            if self.parts
            else pd.DataFrame(columns=COLUMNS)
        )


def fdi_truth(cells: pd.DataFrame) -> pd.DataFrame:
    """fdi_city indicators from the printed cells (thousand yuan): the `C` total row and the
    ICT division row of the table's vintage."""
    flags = _flags()
    ict_div = flags[flags.is_ict & (flags.industry_code.str.len() == 2)]
    ict_code = cells.vintage.map(
        dict(zip(ict_div.industry_vintage, ict_div.industry_code, strict=True))
    )
    role = np.where(
        cells.industry_code == "C", "C", np.where(cells.industry_code == ict_code, "ict", "")
    )
    part = cells.assign(role=role)[role != ""]
    if part.empty:
        return pd.DataFrame(columns=COLUMNS)
    wide = part.pivot_table(
        index=["city_code", "year"],
        columns=["role", "ownership", "measure"],
        values="value",
        aggfunc="sum",
    ).astype(float)

    def col(role: str, own: str, measure: str) -> pd.Series:
        return wide.get((role, own, measure), pd.Series(np.nan, index=wide.index))

    def ratio(num: pd.Series, den: pd.Series) -> pd.Series:
        return num / den.where(den != 0)

    mfg, ict = col("C", "total", "gross_output"), col("ict", "total", "gross_output")
    series = [
        ("mfg_output", "total", mfg),
        ("ict_output", "total", ict),
        ("ict_share_mfg_output", "total", ratio(ict, mfg)),
    ]
    for measure, indicator in (
        ("value_added", "fdi_dependency_ict_va"),
        ("gross_output", "fdi_dependency_ict_output"),
    ):
        den = col("ict", "total", measure)
        hmt, foreign = col("ict", "hmt", measure), col("ict", "foreign", measure)
        series += [
            (indicator, "total", ratio(hmt + foreign, den)),
            (indicator, "hmt", ratio(hmt, den)),
            (indicator, "foreign", ratio(foreign, den)),
        ]
    keys = wide.index.to_frame(index=False)
    return pd.concat(
        [
            keys.assign(indicator_id=i, breakdown=b, source="fdi_city", value=v.to_numpy())
            for i, b, v in series
        ],
        ignore_index=True,
    )


def ground_truth(asif: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """asif: AsifTruth.result(); cells: the fdi_city cells (thousand yuan, as printed)."""
    truth = pd.concat([asif, fdi_truth(cells)], ignore_index=True)
    truth["year"] = truth["year"].astype(np.int32)
    truth["value"] = truth["value"].astype(float)
    truth = truth.sort_values(["city_code", "year", "indicator_id", "breakdown", "source"])
    return truth.reset_index(drop=True)
