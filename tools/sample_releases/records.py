"""Firm-year records of one ASIF year: the clean records the ground truth is computed from,
and the rows as the year's release file carries them (quirks applied)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tools.sample_releases.codes import vintage_by_year
from tools.sample_releases.simulate import CAPITAL, Y0, World

MONEY = (
    "gross_output",
    "value_added",
    "intermediate_input",
    "vat_payable",
    "sales",
    "export_value",
    "paid_in_capital",
    *(f"capital_{c}" for c in CAPITAL),
)


def _rint(x: np.ndarray) -> np.ndarray:
    return np.rint(x).astype(np.int64)


def _text(values: np.ndarray | pa.Array) -> pd.arrays.ArrowStringArray:
    return pd.array(pa.array(values) if isinstance(values, np.ndarray) else values, dtype="str")


def clean_records(world: World, year: int, quirks: frozenset[str]) -> pd.DataFrame:
    """Every firm-year in `year`'s ASIF frame with its true values (money in thousand yuan,
    whole numbers) and the identifiers, codes and flags the release file shows. `firm_key` is
    the firm's persistent identity (it survives re-registration)."""
    rows = world.rows(year)
    take = np.arange(rows.start, rows.stop)[world.asif_frame[rows]]
    fy, f, flags = world.fy, world.firm, world.flags
    i = fy["firm"][take]
    pa_i = pa.array(i)
    noise = flags["noise"][take]
    go = np.maximum(1, _rint(np.exp(fy["log_go"][take])))
    va = _rint(go * fy["va_ratio"][take].astype(np.float64))
    vat = _rint(va * f["vat_share"][i])
    sales = _rint(go * fy["sales_ratio"][take].astype(np.float64))
    export = _rint(sales * np.clip(f["export_share"][i] * (0.9 + 0.2 * noise), 0.0, 1.0))
    employment = np.maximum(8, _rint(go / (f["productivity"][i] * 1.07 ** (year - Y0))))
    paid_in = np.maximum(
        50, _rint(np.exp(f["base"][i]) * f["capital_ratio"][i] * 1.05 ** (year - f["first"][i]))
    )
    shares = f["capital_shares"][i]
    parts = np.floor(paid_in[:, None] * shares).astype(np.int64)
    top = np.argmax(shares, axis=1)
    parts[np.arange(top.size), top] += paid_in - parts.sum(axis=1)

    vintage = vintage_by_year("asif")[year] if "industry_vintage" in quirks else "2011"
    products = world.products
    product = f["product"][i]
    code = {
        "1994": products.code94[product],
        "2002": products.code02[product],
        "2011": products.classes11[f["code11"][i]],
    }[vintage]
    county_codes = f["county_codes"]
    county = county_codes[f["county_idx"][i]]
    loc6 = county
    if "admin_recoding" in quirks:
        recoded = np.array([world.geography.recode[(c, year)] for c in county_codes])
        loc6 = recoded[f["county_idx"][i]]
    twelve = year >= 2004 and "location_12digit" in quirks
    location = loc6
    if twelve:
        location = np.char.add(
            np.char.add(loc6, f["town"][i].astype("U3")), f["village"][i].astype("U3")
        )
    invalid = flags["invalid_loc"][take]
    bad_choice = (
        ("000000000000", "999999000000", "320500000") if twelve else ("000000", "999999", "32058")
    )
    location = np.where(
        invalid, np.select([noise < 0.4, noise < 0.8], bad_choice[:2], bad_choice[2]), location
    )
    file_go = go.copy()
    bad = flags["bad_output"][take]
    file_go[bad] = np.where(noise[bad] < 0.5, 0, -np.maximum(1, _rint(go[bad] * 0.02)))
    rereg = f["rereg_year"][i]
    firm_id = pc.if_else(
        pa.array((rereg > 0) & (year >= rereg)),
        f["firm_id_new"].take(pa_i),
        f["firm_id"].take(pa_i),
    )
    return pd.DataFrame(
        {
            "year": np.full(take.size, year, dtype=np.int16),
            "firm_key": i.astype(np.int64),
            "firm_id": _text(firm_id),
            "firm_name": _text(f["name"].take(pa_i)),
            "location_code": _text(location),
            "city_code": _text(f["city_code"][i]),
            "county_code": _text(county),
            "location_valid": ~invalid,
            "industry_code": _text(code),
            "industry_vintage": _text(np.full(take.size, vintage)),
            "registration_type": _text(f["reg"][i]),
            "founding_year": f["founding"][i].astype(np.int32),
            "gross_output": file_go,
            "value_added": va,
            "intermediate_input": go - va + vat,
            "vat_payable": vat,
            "sales": sales,
            "export_value": export,
            "employment": employment.astype(np.int32),
            "paid_in_capital": paid_in,
            **{f"capital_{c}": parts[:, k] for k, c in enumerate(CAPITAL)},
            "late_return": flags["late_return"][take],
            "duplicated": flags["duplicate"][take],
        }
    )


def zip_codes(records: pd.DataFrame) -> pd.Series:
    """A postcode-like extra column (unmapped by the column map): province digits + 4."""
    loc = records["county_code"].str.slice(0, 2)
    tail = (records["firm_id"].str.slice(0, 4).astype(int) % 10_000).astype(str).str.zfill(4)
    return loc + tail


def file_rows(records: pd.DataFrame, complete: bool = True) -> pd.DataFrame:
    """The rows of a release file: an incomplete one (r1 of the revised year) lacks the late
    returns; exact duplicates sit next to their originals."""
    keep = np.ones(len(records), dtype=bool)
    if not complete:
        keep = ~records["late_return"].to_numpy()
    index = np.flatnonzero(keep)
    again = index[records["duplicated"].to_numpy()[index]]
    order = np.sort(np.concatenate([index, again]), kind="stable")
    return records.iloc[order].reset_index(drop=True)
