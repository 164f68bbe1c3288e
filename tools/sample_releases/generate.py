"""Write a complete sample catalog: releases, catalog.json, ground truth and clean records."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from tools.sample_releases import bad as bad_cases
from tools.sample_releases import config, fdi, records
from tools.sample_releases.asif_files import asif_format, asif_frame, write_asif_file
from tools.sample_releases.catalog_doc import NOTE, Catalog
from tools.sample_releases.codes import load_geography, load_products
from tools.sample_releases.simulate import log, simulate
from tools.sample_releases.truth import AsifTruth, ground_truth

GENERATED = ("catalog.json", "asif", "fdi_city", "_ground_truth.parquet", "_truth")


@dataclass(frozen=True)
class Options:
    scale: str = "demo"
    seed: int = 0
    years: tuple[int, int] = (config.ASIF_YEARS[0], config.FDI_YEARS[-1])
    quirks: frozenset[str] = frozenset(config.QUIRKS)
    bad: str | None = None

    def as_json(self) -> dict:
        return {
            "scale": self.scale,
            "seed": self.seed,
            "years": list(self.years),
            "quirks": sorted(self.quirks),
            "bad": self.bad,
        }


def generate(out: Path, options: Options) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in GENERATED:
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    quirks = options.quirks
    lo, hi = options.years
    asif_years = [y for y in config.ASIF_YEARS if lo <= y <= hi]
    fdi_years = [y for y in config.FDI_YEARS if lo <= y <= hi]
    products = load_products()
    geography = load_geography(config.ASIF_YEARS)
    world = simulate(options.scale, options.seed, quirks, products, geography)
    catalog = Catalog(out)
    truth = AsifTruth()
    (out / "_truth").mkdir()
    writer: pq.ParquetWriter | None = None
    bad_context: dict[str, object] = {}
    for year in asif_years:
        recs = records.clean_records(world, year, quirks)
        fmt = asif_format(year, quirks)
        revisions = [1, 2] if year == config.REVISED_ASIF_YEAR and "revision" in quirks else [1]
        for rev in revisions:
            rows = records.file_rows(recs, complete=rev == revisions[-1])
            frame, labels = asif_frame(rows, year, fmt, quirks)
            path = out / "asif" / str(year) / f"asif_{year}_r{rev}.{fmt}"
            write_asif_file(frame, labels, path, fmt, year)
            notes = NOTE if rev == 1 else (NOTE + "; r2 adds the late returns missing from r1")
            catalog.add(
                "asif",
                year,
                rev,
                f"{year + 1 + rev}-0{2 + rev}-15",
                [catalog.file_entry(path, fmt)],
                notes,
            )
        clean = recs.drop(columns=["late_return"]).assign(release_id=f"asif-{year}-r{rev}")
        table = pa.Table.from_pandas(clean, preserve_index=False).replace_schema_metadata(None)
        if writer is None:
            writer = pq.ParquetWriter(
                out / "_truth" / "firm_years.parquet", table.schema, compression="zstd"
            )
        writer.write_table(table)
        truth.add(year, clean)
        bad_context["asif"] = (year, revisions[-1], recs, fmt)
        log(f"asif {year}: {len(recs):,} firms, {fmt}")
    if writer is not None:
        writer.close()
    cells = []
    for year in fdi_years:
        tables = fdi.tables(world, year, quirks)
        names = dict(zip(geography.cities.city_code, geography.cities.name_zh, strict=True))
        files, city_revision = [], None
        for table in tables:
            stem = out / "fdi_city" / str(year) / f"fdi_{year}_{table.unit}_r1"
            stem.parent.mkdir(parents=True, exist_ok=True)
            revised = (
                year == config.REVISED_FDI_YEAR
                and table.unit == config.REVISED_FDI_CITY
                and "revision" in quirks
            )
            first = fdi.swap_hmt_foreign(table) if revised else table
            path = fdi.write_table(first, stem, names[table.unit])
            files.append(catalog.file_entry(path, path.suffix[1:], table.unit))
            if revised:
                path = fdi.write_table(
                    table, stem.with_name(stem.name[:-1] + "2"), names[table.unit]
                )
                city_revision = catalog.file_entry(path, path.suffix[1:], table.unit)
            cells.append(
                table.cells.assign(
                    city_code=table.unit,
                    year=year,
                    vintage=table.vintage,
                    unit=table.money_unit,
                    layout=table.layout,
                    release_id=f"fdi_city-{year}-r{2 if revised else 1}",
                )
            )
        catalog.add(
            "fdi_city",
            year,
            1,
            f"{year + 1}-09-30",
            files,
            provisional=year == config.PROVISIONAL_FDI_YEAR,
        )
        if city_revision is not None:
            catalog.add(
                "fdi_city",
                year,
                2,
                f"{year + 2}-03-31",
                [city_revision],
                NOTE + f"; corrects the HMT/foreign columns of {config.REVISED_FDI_CITY}",
            )
        bad_context["fdi"] = (year, tables, names)
        log(f"fdi_city {year}: {len(tables)} city tables")
    cells_frame = (
        pd.concat(cells, ignore_index=True)
        if cells
        else pd.DataFrame(
            columns=[
                "industry_code",
                "measure",
                "ownership",
                "value",
                "city_code",
                "year",
                "vintage",
                "unit",
                "layout",
                "release_id",
            ]
        )
    )
    cells_frame = cells_frame[
        [
            "city_code",
            "year",
            "vintage",
            "industry_code",
            "ownership",
            "measure",
            "value",
            "unit",
            "layout",
            "release_id",
        ]
    ]
    cells_frame = cells_frame.astype({"year": np.int32, "value": np.int64})
    _write_parquet(cells_frame, out / "_truth" / "fdi_cells.parquet")
    _write_parquet(ground_truth(truth.result(), cells_frame), out / "_ground_truth.parquet")
    if options.bad:
        bad_cases.apply(options.bad, catalog, bad_context, world, quirks)
    catalog.write()
    if options.bad:
        bad_cases.break_catalog(options.bad, out / "catalog.json")
    (out / "_truth" / "args.json").write_text(json.dumps(options.as_json()) + "\n")
    log(f"wrote {len(catalog.releases)} releases to {out}")


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    pq.write_table(table, path, compression="zstd")


def stamp_matches(out: Path, options: Options) -> bool:
    """Whether `out` already holds a complete catalog generated with these options."""
    stamp = out / "_truth" / "args.json"
    return (
        (out / "catalog.json").exists()
        and stamp.exists()
        and json.loads(stamp.read_text()) == options.as_json()
    )
