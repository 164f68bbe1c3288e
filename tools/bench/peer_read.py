"""Reading the release files for the plain-pandas peer (`tools.bench.pandas_peer`): the
catalog's effective releases and each file with pandas' own readers, columns renamed with the
column-map seed. No citygvc code: the peer stands for what a researcher would write."""

from __future__ import annotations

import json
import re
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
NOTE_RE = re.compile(r"^(注|资料来源|说明|note|source)", re.IGNORECASE)
UNIT_RE = re.compile(r"(?:单位|unit)\s*[:：]\s*(.+)", re.IGNORECASE)


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
