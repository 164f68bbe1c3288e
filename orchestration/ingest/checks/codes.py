"""The code lists the release checks compare with, from the seeds (each read once)."""

from __future__ import annotations

from functools import cache

import pyarrow as pa
import pyarrow.compute as pc

from orchestration.warehouse.seeds import load_seed


@cache
def vintage_for(dataset: str, year: int) -> str | None:
    seed = load_seed("classification_vintages")
    for ds, low, high, vintage in seed.itertuples(index=False):
        if ds == dataset and int(low) <= year <= int(high):
            return vintage
    return None


@cache
def industry_codes(vintage: str, level: str) -> pa.Array:
    seed = load_seed("industry_codes")
    rows = seed[(seed["vintage"] == vintage) & (seed["level"] == level)]
    return pa.array(sorted(rows["code"]), pa.string())


# GB/T 4754-1994 has an official list of three-digit groups but no machine-readable list of
# four-digit classes, so 1998-2002 codes are checked by their group (docs/methodology.md).
GROUP_LEVEL_VINTAGES = frozenset({"1994"})


@cache
def classification_codes(vintage: str) -> pa.Array:
    """The codes a firm's industry code is checked against: the vintage's classes, or the
    official groups where the vintage is checked by group (compare `classification_key`)."""
    if vintage in GROUP_LEVEL_VINTAGES:
        return pa.array(sorted(load_seed("gbt4754_1994_groups")["group_code"]), pa.string())
    return industry_codes(vintage, "class")


def classification_key(vintage: str, codes: pa.Array) -> pa.Array:
    """The part of each code that `classification_codes` lists."""
    if vintage in GROUP_LEVEL_VINTAGES:
        return pc.utf8_slice_codeunits(codes, 0, 3)
    return codes


@cache
def admin_codes() -> pa.Array:
    return pa.array(sorted(set(load_seed("admin_code_map")["admin_code"])), pa.string())


@cache
def registration_types() -> pa.Array:
    return pa.array(sorted(load_seed("registration_types")["code"]), pa.string())


@cache
def fdi_labels(kind: str) -> pa.Array:
    seed = load_seed("fdi_value_map")
    return pa.array(sorted(seed.loc[seed["field"] == kind, "raw_value"]), pa.string())


@cache
def division_names(vintage: str) -> pa.Array:
    seed = load_seed("fdi_division_names")
    return pa.array(sorted(seed.loc[seed["vintage"] == vintage, "name_printed"]), pa.string())


@cache
def division_codes(vintage: str) -> pa.Array:
    seed = load_seed("fdi_division_names")
    codes = set(seed.loc[seed["vintage"] == vintage, "division_code"])
    return pa.array(sorted(codes | set(industry_codes(vintage, "division").to_pylist())))
