"""The dbt project as Dagster sees it, and the build-time step that prepares its manifest.

`make run` / `make test` call `python -m orchestration.warehouse.dbt` so the manifest exists
before the code location loads; importing the definitions never parses the dbt project.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster_dbt import DbtProject
from dagster_dbt.dbt_manifest import read_manifest_path

from orchestration.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, Settings

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# The models built after the Python steps between the intermediate models and the marts
# (orchestration/complexity, orchestration/disclosure): everything that reads what they write.
AFTER_STEPS = "source:complexity+ source:disclosure+"
# Their packages (read as files: the warehouse layer imports neither)
STEP_PACKAGES = ("complexity", "disclosure")
_PACKAGE_DIR = Path(__file__).resolve().parents[1]
_SOURCE_GLOBS = ("dbt_project.yml", "models/**/*", "seeds/**/*", "macros/**/*", "tests/**/*")
_STAMP = dbt_project.manifest_path.parent / "citygvc_sources.sha256"


def sources_digest() -> str:
    """sha256 over the dbt project's own files (what the manifest is parsed from)."""
    digest = hashlib.sha256()
    files = sorted({p for g in _SOURCE_GLOBS for p in DBT_PROJECT_DIR.glob(g) if p.is_file()})
    for path in files:
        digest.update(path.relative_to(DBT_PROJECT_DIR).as_posix().encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def dbt_vars(settings: Settings) -> str:
    """The project vars a refresh passes to dbt: the disclosure settings in force."""
    return json.dumps(
        {
            "disclosure": "on" if settings.disclosure else "off",
            "sdc_min_firms": settings.sdc_min_firms,
            "sdc_dominance": settings.sdc_dominance,
            "sdc_p": settings.sdc_p,
        },
        sort_keys=True,
    )


def prepare_manifest(settings: Settings, force: bool = False) -> Path:
    """Run `dbt parse` when the manifest is missing or older than the project's files.

    Parsed with the vars and the profile (the warehouse path) of `settings`, as the refresh
    runs dbt: a refresh's first `dbt build` in a data folder starts from this parse's
    partial_parse.msgpack, which dbt accepts only when both are the same (it parses the
    whole project again otherwise: 4.8 s against 1.3 s at the first build of a national
    refresh, measured 2026-12-06). The profile reads the warehouse path from the environment:
    the caller has exported `settings` (Settings.export_env), as the refresh does."""
    digest = sources_digest()
    fresh = dbt_project.manifest_path.exists() and _STAMP.exists()
    if force or not fresh or _STAMP.read_text() != digest:
        from dbt.cli.main import dbtRunner

        result = dbtRunner().invoke(
            [
                "parse",
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--vars",
                dbt_vars(settings),
                "--quiet",
            ]
        )
        if not result.success:
            raise RuntimeError(f"dbt parse failed: {result.exception}")
        _STAMP.write_text(digest)
    return dbt_project.manifest_path


def parsed_manifest() -> Mapping[str, Any]:
    """The manifest as the dbt assets read it: dagster-dbt caches it per path, so loading
    the definitions parses its 2 MB once, not once more for the publish asset's marts."""
    return read_manifest_path(dbt_project.manifest_path)


def code_fingerprint() -> str:
    """The code/seed part of the publish fingerprint: dbt node and seed checksums, project
    macros, the reviewed GX suites and the Python steps' sources. Stable across machines (no
    paths or timestamps)."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    parts: list[str] = []
    for uid, node in sorted(manifest["nodes"].items()):
        parts.append(f"{uid}:{node['checksum']['checksum']}")
    for uid, macro in sorted(manifest["macros"].items()):
        if macro.get("package_name") == "citygvc":
            parts.append(f"{uid}:{hashlib.sha256(macro['macro_sql'].encode()).hexdigest()}")
    for suite in sorted(EXPECTATIONS_DIR.glob("*.json")):
        parts.append(f"{suite.name}:{hashlib.sha256(suite.read_bytes()).hexdigest()}")
    # the Python steps between the models and the marts decide published values too
    for step in STEP_PACKAGES:
        for source in sorted((_PACKAGE_DIR / step).glob("*.py")):
            parts.append(f"{step}/{source.name}:{hashlib.sha256(source.read_bytes()).hexdigest()}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def main() -> None:
    settings = Settings.from_env()
    settings.export_env()
    print(f"dbt manifest ready: {prepare_manifest(settings)}")


if __name__ == "__main__":
    main()
