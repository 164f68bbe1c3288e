"""What `citygvc catalog scan DIR` reads from folder and file names (docs/catalog.md).

For each data file under the root: the dataset (a folder or file name naming it: `asif`,
工业企业…, `fdi`, 外商…), the period (one year 1998–2020 standing alone in the file name, else
in the nearest folder) and, for `fdi_city`, the city (one 6-digit code in the file name).
Nothing is guessed: a name with two candidate years or both datasets says nothing, and a
file whose dataset, period or city stays unknown is reported so the user can give it by flag
(flags fill only what the names leave open; `catalog add` describes single files outright).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration.ingest.catalog.build import (
    FORMAT_BY_SUFFIX,
    CatalogBuildError,
    NewFile,
    listed_files,
    relative_path,
)
from orchestration.ingest.catalog.model import CATALOG_FILE, CITY_CODE_RE

# ASIF covers 1998–2013 and yearbook tables are used to about 2020; a 4-digit number outside
# these years in a name is something else (a code, a count).
YEAR_RE = re.compile(r"(?<!\d)(199[89]|20[01]\d|2020)(?!\d)")
CITY_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
# Words in folder or file names (lower-cased) that name a dataset: the project's own names,
# and how researchers and vendors name the firm survey (中国工业企业数据库, 规模以上工业企业)
# and the yearbook FDI tables (外商投资, 外资, 统计年鉴).
DATASET_WORDS = {
    "asif": ("asif", "工业企业", "工企"),
    "fdi_city": ("fdi", "外商", "外资", "统计年鉴", "yearbook"),
}


@dataclass(frozen=True)
class Guess:
    dataset: str | None
    period: int | None
    city_code: str | None


@dataclass
class ScanResult:
    files: list[NewFile] = field(default_factory=list)
    # (path relative to the root, what could not be inferred)
    unknown: list[tuple[str, str]] = field(default_factory=list)
    # files of other extensions, left out
    ignored: list[str] = field(default_factory=list)


def _one(values: list[str]) -> str | None:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def _dataset(parts: list[str]) -> str | None:
    text = "/".join(parts).lower()
    hits = [d for d, words in DATASET_WORDS.items() if any(w in text for w in words)]
    return hits[0] if len(hits) == 1 else None


def _period(parts: list[str]) -> int | None:
    """The one year in the file name, else in the nearest folder that has exactly one."""
    stem, *folders = reversed(parts)
    years = YEAR_RE.findall(Path(stem).stem)
    if years:
        year = _one(years)
        return int(year) if year else None
    for folder in folders:
        year = _one(YEAR_RE.findall(folder))
        if year:
            return int(year)
    return None


def guess(rel_path: str) -> Guess:
    """Dataset, period and city code as far as the names of `rel_path` tell them."""
    parts = rel_path.split("/")
    codes = CITY_RE.findall(Path(parts[-1]).stem)
    return Guess(_dataset(parts), _period(parts), _one(codes))


def _describe(
    root: Path, path: Path, seen: Mapping[str, Any], flags: Guess
) -> tuple[NewFile | None, str | None]:
    """The file to add, or why not: a listed file keeps its listing's dataset, period and
    city; otherwise what the names say, flags filling the gaps; what is still unknown is
    named."""
    rel = relative_path(root, path)
    listing = seen.get(rel)
    if listing is not None:
        release, item = listing
        known = Guess(release.get("dataset"), release.get("period"), item.get("city_code"))
    else:
        named = guess(rel)
        known = Guess(
            named.dataset or flags.dataset,
            named.period or flags.period,
            named.city_code or flags.city_code,
        )
    missing = [
        what
        for what, value, needed in (
            ("dataset (--dataset)", known.dataset, True),
            ("period (--period)", known.period, True),
            ("city (--city-code)", known.city_code, known.dataset == "fdi_city"),
        )
        if needed and value is None
    ]
    if known.city_code is not None and not CITY_CODE_RE.match(known.city_code):
        missing.append(f"a 6-digit city code (got {known.city_code!r})")
    if missing:
        return None, ", ".join(missing)
    return NewFile(path, str(known.dataset), int(known.period or 0), known.city_code), None


def scan_folder(root: Path, doc: Mapping[str, Any], flags: Guess) -> ScanResult:
    """Every data file under `root` (hidden files and folders and catalog.json left out)."""
    result = ScanResult()
    seen = listed_files(doc)
    for path in sorted(root.rglob("*")):
        rel_parts = path.relative_to(root).parts
        if not path.is_file() or any(p.startswith(".") for p in rel_parts):
            continue
        if rel_parts == (CATALOG_FILE,):
            continue
        if path.suffix.lower() not in FORMAT_BY_SUFFIX:
            result.ignored.append("/".join(rel_parts))
            continue
        try:
            new, why = _describe(root, path, seen, flags)
        except CatalogBuildError as exc:
            result.unknown.append(("/".join(rel_parts), str(exc)))
            continue
        if new is None:
            result.unknown.append(("/".join(rel_parts), f"cannot tell the {why}"))
        else:
            result.files.append(new)
    return result
