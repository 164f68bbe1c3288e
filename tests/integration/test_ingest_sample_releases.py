"""Readers and ingest against the sample-release generator: spot values of every format equal
the generator's `_truth/` records, the served catalog loads over HTTP, and every `--bad` case
ends with its own reason and no raw rows of the bad release."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from orchestration.ingest.catalog import CatalogError, open_catalog, validate_catalog
from orchestration.ingest.load import ingest_release, record_rejections
from orchestration.ingest.readers import read_asif, read_fdi_city
from orchestration.settings import REPO_ROOT, Settings
from orchestration.warehouse.schema import connect
from orchestration.warehouse.seeds import load_seed
from tools.sample_releases.__main__ import main as generate

# One catalog per year range, chosen to cover every format the generator writes: 2002 GBK CSV
# with 6-digit locations, 2007 Parquet with English codes, 2012 Stata with labels, 2013 UTF-8
# CSV, and fdi_city 2012–2013 in all four layouts (long CSV UTF-8/GBK, long xlsx, wide xlsx).
YEAR_RANGES = ("2002-2002", "2007-2007", "2012-2013")


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    roots = {}
    for years in YEAR_RANGES:
        root = tmp_path_factory.mktemp(f"sample-{years}")
        generate(["--out", str(root), "--years", years])
        roots[years] = root
    return roots


def _releases(root: Path) -> list:
    releases, rejections = validate_catalog(open_catalog(str(root)).read_catalog())
    assert rejections == []
    return sorted(releases, key=lambda r: (r.dataset, r.period, r.revision))


# Readers against the truth ----------------------------------------------------------------

ASIF_COMPARED = (
    "firm_name",
    "location_code",
    "industry_code",
    "registration_type",
    "founding_year",
    "gross_output",
    "value_added",
    "export_value",
    "employment",
    "capital_hmt",
    "capital_foreign",
)


def test_asif_files_of_every_format_equal_the_truth(catalogs: dict[str, Path]) -> None:
    formats = set()
    for root in catalogs.values():
        truth = pd.read_parquet(root / "_truth" / "firm_years.parquet")
        for release in _releases(root):
            if release.dataset != "asif":
                continue
            (file,) = release.files
            formats.add((file.format, release.period))
            frame = read_asif(root / file.path, file.format).table.to_pandas()
            expected = truth[truth.year == release.period].set_index("firm_id")
            # Files repeat a few rows exactly (the duplicates quirk); values must still match.
            got = frame.drop(columns="source_row").drop_duplicates().set_index("firm_id")
            assert got.index.is_unique
            assert set(got.index) == set(expected.index), release.release_id
            expected = expected.loc[got.index]
            for column in ASIF_COMPARED:
                if got[column].isna().all():
                    # Absent from this year's file (value added after 2007, docs/schemas.md).
                    continue
                want = expected[column]
                have = got[column]
                if have.dtype.kind == "f":
                    want = want.astype(float)
                assert (have == want).all(), (release.release_id, column)
    assert {f for f, _ in formats} == {"dta", "csv", "parquet"}


def _fdi_maps() -> tuple[dict, dict, dict]:
    values = load_seed("fdi_value_map")
    label = {
        (f, r): c for f, r, c in zip(values.field, values.raw_value, values.canonical, strict=True)
    }
    factor = {
        r: int(t)
        for f, r, t in zip(values.field, values.raw_value, values.to_thousand_yuan, strict=True)
        if f == "unit"
    }
    names = load_seed("fdi_division_names")
    division = {
        (v, n): c
        for v, n, c in zip(names.vintage, names.name_printed, names.division_code, strict=True)
    }
    return label, factor, division


def test_fdi_tables_of_every_layout_equal_the_truth(catalogs: dict[str, Path]) -> None:
    label, factor, division = _fdi_maps()
    root = catalogs["2012-2013"]
    truth = pd.read_parquet(root / "_truth" / "fdi_cells.parquet")
    layouts = set()
    for release in _releases(root):
        if release.dataset != "fdi_city":
            continue
        for file in release.files:
            frame = read_fdi_city(root / file.path, file.format).table.to_pandas()
            layouts.add((file.format, frame.layout.iloc[0]))
            expected = truth[(truth.city_code == file.city_code) & (truth.year == release.period)]
            vintage = expected.vintage.iloc[0]
            code = frame.industry_code.where(
                frame.industry_code.notna(),
                [division.get((vintage, n)) for n in frame.industry_name],
            )
            got = pd.DataFrame(
                {
                    "industry_code": code,
                    "ownership": [label[("ownership", o)] for o in frame.ownership],
                    "measure": [label[("measure", m)] for m in frame.measure],
                    # Printed value × unit = thousand yuan, exact for the printed decimals.
                    "value": [
                        round(v * factor[u]) for v, u in zip(frame.value, frame.unit, strict=True)
                    ],
                }
            )
            got = got[got.ownership != "fie"]  # printed sum of hmt + foreign; not in truth
            key = ["industry_code", "ownership", "measure"]
            merged = expected.merge(got, on=key, how="outer", suffixes=("", "_got"))
            assert merged.value_got.notna().all() and merged.value.notna().all(), file.path
            assert (merged.value == merged.value_got).all(), file.path
    assert layouts == {("csv", "long"), ("xlsx", "long"), ("xlsx", "wide")}


# Ingest over HTTP, from the generator's own server ---------------------------------------------


@pytest.fixture
def served(catalogs: dict[str, Path]) -> Iterator[str]:
    root = catalogs["2012-2013"]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.sample_releases",
            "--out",
            str(root),
            "--years",
            "2012-2013",
            "--serve",
            "0",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=30)


def _settings(tmp_path: Path, releases: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", releases=releases, dagster_home=tmp_path / "dh")


def test_served_catalog_loads_completely(served: str, tmp_path: Path) -> None:
    assert served.startswith("http://127.0.0.1:")
    settings = _settings(tmp_path, served)
    source = open_catalog(served)
    releases = _releases_from(source)
    with connect(settings.warehouse_path) as con:
        outcomes = [ingest_release(con, settings, source, r) for r in releases]
        counts = dict(con.execute("select release_id, rows_loaded from ops.releases").fetchall())
        raw = dict(
            con.execute(
                "select release_id, count(*) from (select release_id from raw.asif "
                "union all select release_id from raw.fdi_city) group by 1"
            ).fetchall()
        )
    assert [(o.release_id, o.status) for o in outcomes] == [
        (r.release_id, "loaded") for r in releases
    ]
    assert counts == raw
    assert all(o.gx and o.gx[0]["success"] for o in outcomes)


def _releases_from(source) -> list:
    releases, rejections = validate_catalog(source.read_catalog())
    assert rejections == []
    return sorted(releases, key=lambda r: (r.dataset, r.period, r.revision))


# Every --bad case --------------------------------------------------------------------------

# case -> (how it ends: "catalog" error, "rejected" entry or "quarantined" release, reason)
BAD_CASES = {
    "malformed_catalog": ("catalog", "invalid JSON"),
    "bad_catalog_version": ("catalog", "catalog_version 2"),
    "invalid_release_id": ("rejected", "invalid_release_id"),
    "path_traversal": ("rejected", "path_outside_root"),
    "unknown_dataset": ("rejected", "unknown_dataset"),
    "unknown_format": ("rejected", "unsupported_format"),
    "duplicated_id": ("rejected", "duplicate_release_id"),
    "fdi_missing_city_code": ("rejected", "missing_field"),
    "sha256_mismatch": ("quarantined", "sha256_mismatch"),
    "size_mismatch": ("quarantined", "size_mismatch"),
    "truncated_file": ("quarantined", "truncated_file"),
    "corrupt_dta": ("quarantined", "corrupt_file"),
    "empty_file": ("quarantined", "empty_file"),
    "missing_required_column": ("quarantined", "missing_required_column"),
    "wrong_encoding": ("quarantined", "encoding_error"),
    "non_numeric_output": ("quarantined", "non_numeric_value"),
    "negative_outputs": ("quarantined", "non_positive_outputs"),
    "unknown_industry_codes": ("quarantined", "unknown_industry_codes"),
    "unknown_location_codes": ("quarantined", "unknown_location_codes"),
    "few_rows_revision": ("quarantined", "row_count_out_of_band"),
    "unit_error": ("quarantined", "unit_error"),
    "duplicated_firm_id": ("quarantined", "duplicate_firm_id"),
    "fdi_unknown_unit": ("quarantined", "unknown_unit"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_case_gets_its_own_reason(case: str, tmp_path: Path) -> None:
    ends, reason = BAD_CASES[case]
    root = tmp_path / "releases"
    generate(["--out", str(root), "--years", "2013-2013", "--bad", case])
    settings = _settings(tmp_path, str(root))
    source = open_catalog(str(root))
    if ends == "catalog":
        with pytest.raises(CatalogError, match=reason):
            source.read_catalog()
        return
    releases, rejections = validate_catalog(source.read_catalog())
    with connect(settings.warehouse_path) as con:
        record_rejections(con, rejections)
        outcomes = {
            r.release_id: ingest_release(con, settings, source, r, run_gx=False)
            for r in sorted(releases, key=lambda r: (r.dataset, r.period, r.revision))
        }
        statuses = dict(con.execute("select release_id, status from ops.releases").fetchall())
        raw_ids = {
            r[0]
            for r in con.execute(
                "select distinct release_id from raw.asif "
                "union select distinct release_id from raw.fdi_city"
            ).fetchall()
        }
    bad_notes = [r for r in releases if r.notes.startswith("bad release")]
    if ends == "rejected":
        assert {r.reason for r in rejections} == {reason}
        assert bad_notes == []
        assert all(o.status == "loaded" for o in outcomes.values())
        return
    assert [r.reason for r in rejections] == []
    (bad,) = bad_notes
    assert (outcomes[bad.release_id].status, outcomes[bad.release_id].reason) == (
        "quarantined",
        reason,
    )
    assert statuses[bad.release_id] == "quarantined"
    assert bad.release_id not in raw_ids
    good = {rid for rid in outcomes if rid != bad.release_id}
    assert good and good == raw_ids
    assert all(statuses[rid] == "loaded" for rid in good)
