"""Bad releases and broken catalogs for the guards' tests (`--bad CASE`).

Each case adds one bad release (a new revision of the last ASIF or fdi_city year written, so
the good releases still load) or breaks the whole catalog.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from tools.sample_releases import config, fdi, layouts, records
from tools.sample_releases.asif_files import asif_format, asif_frame, write_asif_file
from tools.sample_releases.catalog_doc import Catalog
from tools.sample_releases.simulate import World

BAD_CASES: dict[str, str] = {
    "malformed_catalog": "catalog.json is not valid JSON (cut off mid-file)",
    "bad_catalog_version": "catalog.json has catalog_version 2",
    "invalid_release_id": "an entry whose release_id breaks ^[a-z0-9][a-z0-9_-]{0,63}$",
    "path_traversal": "an entry whose file path leaves the catalog root (../)",
    "unknown_dataset": "an entry whose dataset is neither asif nor fdi_city",
    "unknown_format": "an entry whose file format is 'sav'",
    "sha256_mismatch": "a new ASIF revision whose file does not match the catalog's sha256",
    "size_mismatch": "a new ASIF revision whose file is far larger than the catalog's bytes",
    "truncated_file": "a new ASIF revision whose .dta is cut in half (sha256 and bytes match)",
    "corrupt_dta": "a new ASIF revision whose file is random bytes declared as Stata .dta",
    "empty_file": "a new ASIF revision whose file is empty (0 bytes)",
    "missing_required_column": "a new ASIF revision whose file has no gross output column",
    "wrong_encoding": "a new ASIF revision CSV whose bytes decode neither as UTF-8 nor as GBK",
    "non_numeric_output": "a new ASIF revision whose gross output is text in 20% of rows",
    "negative_outputs": "a new ASIF revision with negative gross output in 5% of rows",
    "unknown_industry_codes": "a new ASIF revision with 10% industry codes outside the vintage",
    "unknown_location_codes": "a new ASIF revision with 10% location codes mapping to no city",
    "few_rows_revision": "a new ASIF revision with 10% of the previous revision's rows",
    "unit_error": "a new ASIF revision whose money columns are in yuan (1000x too large)",
    "duplicated_id": "the same release_id listed twice with different content",
    "duplicated_firm_id": "a new ASIF revision where 5% of firm_ids recur with other content",
    "fdi_missing_city_code": "a new fdi_city revision whose file entry has no city_code",
    "fdi_unknown_unit": "a new fdi_city revision whose table prints values in 美元",
}


def _asif_base(
    context: dict, world: World, quirks: frozenset[str]
) -> tuple[int, int, pd.DataFrame, str]:
    """Year, next free revision, the year's clean records and format."""
    if "asif" in context:
        year, rev, recs, fmt = context["asif"]
        return year, rev + 1, recs, fmt
    year = config.ASIF_YEARS[-1]
    return year, 1, records.clean_records(world, year, quirks), asif_format(year, quirks)


def _write_asif(
    catalog: Catalog,
    rows: pd.DataFrame,
    year: int,
    rev: int,
    fmt: str,
    quirks: frozenset[str],
    notes: str,
    mutate: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
) -> dict:
    frame, labels = asif_frame(rows, year, fmt, quirks)
    if mutate is not None:
        label_of = dict(zip(frame.columns, labels, strict=True))
        frame = mutate(frame)
        labels = [label_of.get(c) for c in frame.columns]
    path = catalog.root / "asif" / str(year) / f"asif_{year}_r{rev}.{fmt}"
    write_asif_file(frame, labels, path, fmt, year)
    return catalog.add(
        "asif", year, rev, "2030-01-01", [catalog.file_entry(path, fmt)], "bad release: " + notes
    )


def _column(year: int, fmt: str, quirks: frozenset[str], canonical: str) -> str:
    cols = layouts.columns(
        year, fmt, drift="column_drift" in quirks, va_absent="va_absent" in quirks
    )
    return next(c.name for c in cols if c.canonical == canonical)


CATALOG_CASES = ("malformed_catalog", "bad_catalog_version")


def break_catalog(case: str, path: Path) -> None:
    """The catalog-level cases, applied to the written catalog.json."""
    if case == "malformed_catalog":
        text = path.read_text(encoding="utf-8")
        path.write_text(text[: len(text) // 2], encoding="utf-8")
    elif case == "bad_catalog_version":
        body = json.loads(path.read_text(encoding="utf-8"))
        body["catalog_version"] = 2
        path.write_text(json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def apply(case: str, catalog: Catalog, context: dict, world: World, quirks: frozenset[str]) -> None:
    """Add the bad release of `case` to `catalog`. `context` holds the last ASIF year written
    (year, revision, clean records, format) and the last fdi_city year (year, tables, city
    names); without them the last year of the dataset is used."""
    if case not in BAD_CASES:
        raise ValueError(f"unknown bad case {case!r}; known: {', '.join(BAD_CASES)}")
    root = catalog.root
    rng = np.random.default_rng(12345)
    if case in CATALOG_CASES:
        return
    if case.startswith("fdi_"):
        _apply_fdi(case, catalog, context, world, quirks)
        return
    year, rev, recs, fmt = _asif_base(context, world, quirks)
    rows = records.file_rows(recs)
    n = len(rows)
    pick = rng.random(n)
    if case in ("invalid_release_id", "path_traversal", "unknown_dataset", "unknown_format"):
        release = _write_asif(catalog, rows, year, rev, fmt, quirks, BAD_CASES[case])
        if case == "invalid_release_id":
            release["release_id"] = f"ASIF {year}/R{rev}!"
        elif case == "path_traversal":
            release["files"][0]["path"] = f"../outside/asif_{year}_r{rev}.{fmt}"
        elif case == "unknown_dataset":
            release["dataset"] = "asif_monthly"
            release["release_id"] = f"asif_monthly-{year}-r{rev}"
        else:
            release["files"][0]["format"] = "sav"
        return
    if case in ("sha256_mismatch", "size_mismatch", "truncated_file", "corrupt_dta", "empty_file"):
        release = _write_asif(catalog, rows, year, rev, "dta", quirks, BAD_CASES[case])
        entry = release["files"][0]
        path = root / entry["path"]
        data = path.read_bytes()
        if case == "sha256_mismatch":
            entry["sha256"] = hashlib.sha256(data + b"x").hexdigest()
            return
        if case == "size_mismatch":
            entry["bytes"] = max(1, len(data) // 50)
            return
        data = {
            "truncated_file": data[: len(data) // 2],
            "corrupt_dta": rng.bytes(len(data)),
            "empty_file": b"",
        }[case]
        path.write_bytes(data)
        entry.update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
        return
    if case == "wrong_encoding":
        release = _write_asif(catalog, rows, year, rev, "csv", quirks, BAD_CASES[case])
        entry = release["files"][0]
        path = root / entry["path"]
        lines = path.read_bytes().split(b"\n")
        # 0xFF can start no character in UTF-8, GBK or GB18030
        data = b"\n".join(
            line + b"\xff\xfe" if k % 7 == 3 else line for k, line in enumerate(lines)
        )
        path.write_bytes(data)
        entry.update(sha256=hashlib.sha256(data).hexdigest(), bytes=len(data))
        return
    if case == "duplicated_id":
        first = _write_asif(catalog, rows, year, rev, fmt, quirks, BAD_CASES[case])
        fewer = rows.iloc[: n - max(1, n // 20)]
        second = _write_asif(catalog, fewer, year, rev + 1, fmt, quirks, BAD_CASES[case])
        second["release_id"] = first["release_id"]
        second["revision"] = rev
        return
    go = _column(year, fmt, quirks, "gross_output")
    mutate: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    if case == "missing_required_column":

        def mutate(frame: pd.DataFrame) -> pd.DataFrame:
            return frame.drop(columns=[go])

        _write_asif(catalog, rows, year, rev, fmt, quirks, BAD_CASES[case], mutate)
        return
    if case == "non_numeric_output":

        def mutate(frame: pd.DataFrame) -> pd.DataFrame:
            text = frame[go].astype(np.int64).astype(str).astype(object)
            text[pick < 0.2] = "n.a."
            return frame.assign(**{go: text.astype(str)})
    elif case == "negative_outputs":
        rows = rows.assign(
            gross_output=np.where(pick < 0.05, -rows.gross_output.abs(), rows.gross_output)
        )
    elif case == "unknown_industry_codes":
        rows = rows.assign(industry_code=np.where(pick < 0.1, "9999", rows.industry_code))
    elif case == "unknown_location_codes":
        digits = len(rows.location_code.iloc[0])
        rows = rows.assign(
            location_code=np.where(pick < 0.1, "99" + "0" * (digits - 2), rows.location_code)
        )
    elif case == "few_rows_revision":
        rows = rows.iloc[: max(1, n // 10)]
    elif case == "unit_error":
        rows = rows.assign(**{c: rows[c] * 1000 for c in records.MONEY})
    elif case == "duplicated_firm_id":
        again = rows[pick < 0.05].assign(
            gross_output=lambda r: r.gross_output + 1, employment=lambda r: r.employment + 1
        )
        rows = pd.concat([rows, again], ignore_index=True)
    _write_asif(catalog, rows, year, rev, fmt, quirks, BAD_CASES[case], mutate)


def _apply_fdi(
    case: str, catalog: Catalog, context: dict, world: World, quirks: frozenset[str]
) -> None:
    if "fdi" in context:
        year, tables, names = context["fdi"]
        rev = 2 if year == config.REVISED_FDI_YEAR and "revision" in quirks else 1
        rev += 1
    else:
        year, rev = config.FDI_YEARS[-1], 1
        tables = fdi.tables(world, year, quirks)
        names = dict(
            zip(world.geography.cities.city_code, world.geography.cities.name_zh, strict=True)
        )
    table = next((t for t in tables if t.unit == config.DONGGUAN), tables[0])
    table = fdi.Table(table.unit, table.year, table.vintage, "long_csv_utf8", "万元", table.cells)
    stem = catalog.root / "fdi_city" / str(year) / f"fdi_{year}_{table.unit}_r{rev}"
    stem.parent.mkdir(parents=True, exist_ok=True)
    path = fdi.write_table(table, stem, names[table.unit])
    if case == "fdi_unknown_unit":
        text = path.read_text(encoding="utf-8").replace("万元", "美元")
        path.write_text(text, encoding="utf-8")
    entry = catalog.file_entry(path, "csv", None if case == "fdi_missing_city_code" else table.unit)
    catalog.add("fdi_city", year, rev, "2030-01-01", [entry], "bad release: " + BAD_CASES[case])
