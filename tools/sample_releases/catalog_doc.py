"""The catalog.json the generator writes: one entry per release, each file with its checksum."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

NOTE = "citygvc sample release: simulated data with the real releases' quirks (not real data)"


@dataclass
class Catalog:
    root: Path
    releases: list[dict] = field(default_factory=list)

    def file_entry(self, path: Path, fmt: str, city_code: str | None = None) -> dict:
        data = path.read_bytes()
        entry = {
            "path": path.relative_to(self.root).as_posix(),
            "format": fmt,
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
        }
        if city_code is not None:
            entry["city_code"] = city_code
        return entry

    def add(
        self,
        dataset: str,
        period: int,
        revision: int,
        published_at: str,
        files: list[dict],
        notes: str = NOTE,
        provisional: bool = False,
    ) -> dict:
        release = {
            "release_id": f"{dataset}-{period}-r{revision}",
            "dataset": dataset,
            "period": period,
            "revision": revision,
            "published_at": published_at,
            "provisional": provisional,
            "files": files,
            "notes": notes,
        }
        self.releases.append(release)
        return release

    def write(self) -> None:
        body = {"catalog_version": 1, "releases": self.releases}
        (self.root / "catalog.json").write_text(
            json.dumps(body, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
