"""Every --bad case of the sample-release generator produces what it says (docs/catalog.md):
the good releases intact, the bad one wrong in exactly the documented way."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from orchestration.warehouse.seeds import load_seed
from tests.unit.tools.sample_files import RELEASE_ID, asif_file, canonical, fdi_cells, read_asif
from tools.sample_releases import BAD_CASES, Options, generate

# Bad cases --------------------------------------------------------------------------------


def _bad(tmp_path: Path, case: str) -> tuple[Path, str]:
    root = tmp_path / case
    years = (2013, 2013) if case.startswith("fdi_") else (2009, 2009)
    generate(root, Options(years=years, bad=case))
    return root, (root / "catalog.json").read_text(encoding="utf-8")


def _bad_release(catalog: dict) -> dict:
    bad = [r for r in catalog["releases"] if r["notes"].startswith("bad release")]
    assert len(bad) == 1
    return bad[0]


def test_every_bad_case_is_documented() -> None:
    assert len(BAD_CASES) >= 23 and all(BAD_CASES.values())


def _catalog_entry_is_bad(case: str, root: Path, bad: dict, entry: dict) -> bool:
    """The cases whose catalog entry itself is wrong: checked; False for the other cases."""
    if case == "invalid_release_id":
        assert not RELEASE_ID.match(bad["release_id"])
    elif case == "path_traversal":
        assert not (root / entry["path"]).resolve().is_relative_to(root.resolve())
    elif case == "unknown_dataset":
        assert bad["dataset"] not in {"asif", "fdi_city"}
    elif case == "unknown_format":
        assert entry["format"] not in {"dta", "csv", "parquet", "xlsx"}
    elif case == "fdi_missing_city_code":
        assert bad["dataset"] == "fdi_city" and "city_code" not in entry
    else:
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_case_produces_what_it_says(case: str, tmp_path: Path) -> None:
    root, text = _bad(tmp_path, case)
    if case == "malformed_catalog":
        with pytest.raises(json.JSONDecodeError):
            json.loads(text)
        return
    catalog = json.loads(text)
    if case == "bad_catalog_version":
        assert catalog["catalog_version"] == 2
        return
    assert catalog["catalog_version"] == 1
    good = [r for r in catalog["releases"] if not r["notes"].startswith("bad release")]
    assert {r["release_id"] for r in good} == (
        {"fdi_city-2013-r1", "asif-2013-r1"} if case.startswith("fdi_") else {"asif-2009-r1"}
    )
    for release in good:  # the good releases are intact
        for entry in release["files"]:
            data = (root / entry["path"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    if case == "duplicated_id":
        dup = [r for r in catalog["releases"] if r["notes"].startswith("bad release")]
        assert len(dup) == 2 and dup[0]["release_id"] == dup[1]["release_id"]
        assert dup[0]["files"] != dup[1]["files"]
        return
    bad = _bad_release(catalog)
    (entry,) = bad["files"]
    same_period = [
        r for r in good if r["dataset"] == bad["dataset"] and r["period"] == bad["period"]
    ]
    assert not same_period or bad["revision"] > max(r["revision"] for r in same_period)
    if _catalog_entry_is_bad(case, root, bad, entry):
        return
    path = root / entry["path"]
    data = path.read_bytes()
    if case == "sha256_mismatch":
        assert len(data) == entry["bytes"]
        assert hashlib.sha256(data).hexdigest() != entry["sha256"]
        return
    if case == "size_mismatch":
        assert len(data) > 10 * entry["bytes"]
        return
    # the remaining cases pass byte verification: the content itself is bad
    assert len(data) == entry["bytes"] and hashlib.sha256(data).hexdigest() == entry["sha256"]
    if case == "empty_file":
        assert data == b""
    elif case in ("truncated_file", "corrupt_dta"):
        assert entry["format"] == "dta"
        with pytest.raises(Exception):  # noqa: B017 - any reader error is what we want
            pyreadstat.read_dta(str(path))
    elif case == "wrong_encoding":
        for encoding in ("utf-8", "gbk", "gb18030"):
            with pytest.raises(UnicodeDecodeError):
                data.decode(encoding)
    elif case == "fdi_unknown_unit":
        units = set(load_seed("fdi_value_map").raw_value)
        assert set(fdi_cells(path).unit) - units == {"美元"}
    else:
        _check_bad_content(case, root, catalog, path)


def _check_bad_content(case: str, root: Path, catalog: dict, path: Path) -> None:
    frame = _read_raw(path)
    previous = read_asif(asif_file(root, catalog, 2009, 1))
    if case == "missing_required_column":
        assert "gross_output" not in frame.columns and "firm_id" in frame.columns
        return
    if case == "non_numeric_output":
        parsed = pd.to_numeric(frame.gross_output, errors="coerce")
        assert parsed.isna().mean() > 0.15
        return
    if case == "duplicated_firm_id":
        deduped = frame.drop_duplicates()
        assert deduped.firm_id.duplicated().mean() > 0.03
        return
    frame["gross_output"] = pd.to_numeric(frame.gross_output)
    if case == "negative_outputs":
        assert (frame.gross_output < 0).mean() > 0.04
    elif case == "unknown_industry_codes":
        listed = set(load_seed("industry_codes").code)
        assert (~frame.industry_code.isin(listed)).mean() > 0.09
    elif case == "unknown_location_codes":
        known = set(load_seed("admin_code_map").admin_code)
        assert (~frame.location_code.str[:6].isin(known)).mean() > 0.09
    elif case == "few_rows_revision":
        assert len(frame) <= 0.15 * len(previous)
    elif case == "unit_error":
        assert frame.gross_output.median() > 500 * previous.gross_output.median()
    else:
        raise AssertionError(f"no check for {case}")


def _read_raw(path: Path) -> pd.DataFrame:
    """Like read_asif, but keeps text columns as text (non-numeric outputs stay visible)."""
    if path.suffix == ".dta":
        frame, meta = pyreadstat.read_dta(str(path))
        names = {
            c: canonical(c) or canonical(meta.column_names_to_labels.get(c) or "")
            for c in frame.columns
        }
    else:
        frame = pd.read_csv(path, dtype=str)
        names = {c: canonical(c) for c in frame.columns}
    return frame[[c for c in frame.columns if names[c]]].rename(columns=names)
