"""`citygvc catalog add` and `citygvc catalog scan`: list files in a catalog folder's
`catalog.json` (docs/catalog.md, "A folder of files").

Which releases were ingested comes from the writer's record, state.json — never from the
warehouse, which a running refresh may hold. Exit status: 0 written (or nothing to change),
2 the files or the catalog do not allow it (nothing written)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from orchestration.ingest.catalog import CatalogError, DirectorySource, open_catalog
from orchestration.ingest.catalog.build import (
    CatalogBuildError,
    Change,
    NewFile,
    add_files,
    check_and_write,
    load_catalog_doc,
)
from orchestration.ingest.catalog.scan import Guess, guess, scan_folder
from orchestration.pipeline.plan import read_state
from orchestration.settings import Settings

EXIT_OK, EXIT_REFUSED = 0, 2


@dataclass(frozen=True)
class EntryOptions:
    """What the user says about the releases written: publication date and status."""

    published_at: str | None = None
    provisional: bool = False


def _change_line(change: Change) -> str:
    files = ", ".join(change.files)
    if change.action == "new revision":
        return (
            f"{change.release_id}: new revision ({change.supersedes} was ingested and is never "
            f"edited; this one supersedes it): {files}"
        )
    if change.action == "unchanged":
        return f"{change.release_id}: unchanged (same bytes already listed): {files}"
    return f"{change.release_id}: {change.action}: {files}"


def _apply(
    settings: Settings,
    root: Path,
    files: Sequence[NewFile],
    options: EntryOptions,
    echo: Callable[[str], None],
) -> int:
    """Merge `files` into root/catalog.json and write it when something changed."""
    recorded = read_state(settings)
    loaded = {k: v.sha256 for k, v in recorded.items() if v.status == "loaded"}
    try:
        doc = load_catalog_doc(root)
        changes = add_files(
            doc,
            root,
            files,
            set(recorded),
            published_at=options.published_at or date.today().isoformat(),
            provisional=options.provisional,
        )
        for change in changes:
            echo(_change_line(change))
        touched = {c.release_id for c in changes if c.action != "unchanged"}
        if not touched:
            echo(f"{root / 'catalog.json'}: nothing to change")
            return EXIT_OK
        untouched_rejections = check_and_write(root, doc, loaded, touched)
    except (CatalogBuildError, CatalogError) as exc:
        echo(f"nothing written: {exc}")
        return EXIT_REFUSED
    for rejection in untouched_rejections:
        echo(f"note: entry {rejection.raw_release_id!r} was already invalid: {rejection.detail}")
    echo(f"wrote {root / 'catalog.json'} ({len(doc['releases'])} release entries)")
    return EXIT_OK


def catalog_folder(location: str) -> Path:
    """The local folder of a catalog location (a path, `file://` URL or its catalog.json);
    CatalogError for a web location, which these commands cannot write."""
    source = open_catalog(location)
    if not isinstance(source, DirectorySource):
        raise CatalogError(f"{source.describe()} is not a local folder; give --catalog DIR")
    return source.root


def catalog_add(
    settings: Settings,
    location: str,
    paths: Sequence[Path],
    dataset: str,
    period: int,
    city_codes: Sequence[str],
    options: EntryOptions,
    echo: Callable[[str], None] = print,
) -> int:
    """`citygvc catalog add`: the files as `dataset` `period` in the catalog folder at
    `location`; `city_codes` one per file in order, or none (fdi_city: each taken from its
    file name)."""
    if city_codes and len(city_codes) != len(paths):
        echo(
            f"nothing written: {len(city_codes)} --city-code for {len(paths)} files; give one "
            "per file, in the same order (or none, to take them from the file names)"
        )
        return EXIT_REFUSED
    try:
        root = catalog_folder(location)
    except CatalogError as exc:
        echo(f"nothing written: {exc}")
        return EXIT_REFUSED
    files = []
    for index, path in enumerate(paths):
        code = city_codes[index] if city_codes else None
        if dataset == "fdi_city" and code is None:
            code = guess(path.name).city_code
        files.append(NewFile(path.absolute(), dataset, period, code))
    return _apply(settings, root, files, options, echo)


def catalog_scan(
    settings: Settings,
    root: Path,
    flags: Guess,
    options: EntryOptions,
    echo: Callable[[str], None] = print,
) -> int:
    """`citygvc catalog scan`: every data file under `root`, described from its names (or the
    flags); refused, with the list, when any file's dataset, period or city stays unknown."""
    if not root.is_dir():
        echo(f"nothing written: {root} is not a folder")
        return EXIT_REFUSED
    try:
        doc = load_catalog_doc(root)
    except CatalogError as exc:
        echo(f"nothing written: {exc}")
        return EXIT_REFUSED
    result = scan_folder(root, doc, flags)
    if result.ignored:
        echo(f"ignored {len(result.ignored)} file(s) of other types: {', '.join(result.ignored)}")
    if result.unknown:
        echo("nothing written: for these files the names do not say enough, give it by flag")
        echo("(or scan their folder on its own with that flag):")
        for rel, why in result.unknown:
            echo(f"  {rel}: {why}")
        return EXIT_REFUSED
    if not result.files:
        echo(f"nothing written: no data files under {root}")
        return EXIT_REFUSED
    for new in result.files:
        city = f" city {new.city_code}" if new.city_code else ""
        echo(f"  {new.path.relative_to(root)}: {new.dataset} {new.period}{city}")
    return _apply(settings, root, result.files, options, echo)
