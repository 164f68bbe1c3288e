"""Settings of docs/settings.md, read once from the environment; every path the product writes hangs
off `data_dir`. Functions take a `Settings` instead of reading the environment themselves."""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
DAGSTER_YAML = REPO_ROOT / "dagster.yaml"

# Public defaults of the disclosure rules (docs/settings.md). Deployments override them through the
# environment; the values in force are part of the publish fingerprint.
DEFAULT_SDC_MIN_FIRMS = 3
DEFAULT_SDC_DOMINANCE = 85
# p of the p % rule. At most 100 - k it adds nothing to the (2, k) dominance rule for non-negative
# contributions (a cell passing that rule keeps a remainder of at least (100 - k) % of its largest
# contribution); it matters where a deployment raises k or a magnitude has negative parts.
DEFAULT_SDC_P = 10

# Size caps of catalog files (docs/settings.md, docs/catalog.md). The largest file of the national
# sample catalog (one ASIF year: ~440,000 firms x 18 columns as Stata .dta) is 84 MB, and a real
# national ASIF year with its ~100 columns is a few hundred MB at most; a release is one ASIF
# year or one year's city tables (a few MB). 4 GiB per file and 8 GiB per release leave ten
# times that and more, and still refuse a file that would fill the landing disk or that no
# reader could hold in memory.
DEFAULT_MAX_FILE_BYTES = 4 * 2**30
DEFAULT_MAX_RELEASE_BYTES = 8 * 2**30
_BYTES_RE = re.compile(r"^(\d+)\s*(KiB|MiB|GiB|TiB)?$")
_BYTE_UNITS = {None: 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}

# The engines dbt can build the warehouse on (docs/settings.md, docs/scale-out.md).
ENGINES = ("duckdb", "spark")

# The scheduled refresh (UTC) and the retention of everything that grows with every refresh
# (docs/settings.md, docs/operations.md#retention).
DEFAULT_REFRESH_CRON = "0 2 * * *"
DEFAULT_KEEP_VERSIONS = 5
DEFAULT_KEEP_GX_RESULTS = 50
DEFAULT_KEEP_RUNS_DAYS = 30


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    releases: str
    dagster_home: Path
    disclosure: bool = True
    sdc_min_firms: int = DEFAULT_SDC_MIN_FIRMS
    sdc_dominance: int = DEFAULT_SDC_DOMINANCE
    sdc_p: int = DEFAULT_SDC_P
    engine: str = "duckdb"
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    max_release_bytes: int = DEFAULT_MAX_RELEASE_BYTES
    refresh_cron: str = DEFAULT_REFRESH_CRON
    keep_versions: int = DEFAULT_KEEP_VERSIONS
    keep_gx_results: int = DEFAULT_KEEP_GX_RESULTS
    keep_runs_days: int = DEFAULT_KEEP_RUNS_DAYS
    releases_is_default: bool = field(default=False, compare=False)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("CITYGVC_DATA_DIR") or "data").expanduser().resolve()
        releases = env.get("CITYGVC_RELEASES") or ""
        dagster_home = Path(env.get("DAGSTER_HOME") or data_dir / "dagster").expanduser().resolve()
        disclosure = (env.get("CITYGVC_DISCLOSURE") or "on").strip().lower()
        if disclosure not in {"on", "off"}:
            raise ValueError(f"CITYGVC_DISCLOSURE must be 'on' or 'off', not {disclosure!r}")
        engine = (env.get("CITYGVC_ENGINE") or "duckdb").strip().lower()
        if engine not in ENGINES:
            raise ValueError(f"CITYGVC_ENGINE must be 'duckdb' or 'spark', not {engine!r}")
        return cls(
            data_dir=data_dir,
            releases=releases or str(data_dir / "releases"),
            dagster_home=dagster_home,
            disclosure=disclosure == "on",
            sdc_min_firms=int(env.get("CITYGVC_SDC_MIN_FIRMS") or DEFAULT_SDC_MIN_FIRMS),
            sdc_dominance=int(env.get("CITYGVC_SDC_DOMINANCE") or DEFAULT_SDC_DOMINANCE),
            sdc_p=int(env.get("CITYGVC_SDC_P") or DEFAULT_SDC_P),
            engine=engine,
            max_file_bytes=_byte_size(env, "CITYGVC_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES),
            max_release_bytes=_byte_size(
                env, "CITYGVC_MAX_RELEASE_BYTES", DEFAULT_MAX_RELEASE_BYTES
            ),
            refresh_cron=_cron(env, "CITYGVC_REFRESH_CRON", DEFAULT_REFRESH_CRON),
            keep_versions=_count(env, "CITYGVC_KEEP_VERSIONS", DEFAULT_KEEP_VERSIONS),
            keep_gx_results=_count(env, "CITYGVC_KEEP_GX_RESULTS", DEFAULT_KEEP_GX_RESULTS),
            keep_runs_days=_count(env, "CITYGVC_KEEP_RUNS_DAYS", DEFAULT_KEEP_RUNS_DAYS),
            releases_is_default=not releases,
        )

    # Paths of docs/settings.md -------------------------------------------------------------------
    @property
    def landing_dir(self) -> Path:
        return self.data_dir / "landing"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def raw_dir(self) -> Path:
        return raw_dir_beside(self.warehouse_path)

    @property
    def spark_dir(self) -> Path:
        """Spark's warehouse (its tables' Parquet), metastore, scratch and the ops export
        (dbt_project/profiles.yml names the same folders)."""
        return self.data_dir / "spark"

    @property
    def serve_dir(self) -> Path:
        return self.data_dir / "serve"

    @property
    def bench_dir(self) -> Path:
        return self.data_dir / "bench"

    @property
    def gx_dir(self) -> Path:
        return self.data_dir / "gx"

    @property
    def alerts_dir(self) -> Path:
        return self.data_dir / "alerts"

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's target folder for refreshes: run artifacts, dbt.log and partial_parse.msgpack,
        which every later dbt step reuses instead of parsing the project again."""
        return self.data_dir / "dbt"

    @property
    def logs_dir(self) -> Path:
        """Full event logs of `citygvc refresh` (refresh-<timestamp>.log)."""
        return self.data_dir / "logs"

    def prepare(self) -> None:
        """Create the data folders (owner-only: raw data is licensed) and DAGSTER_HOME with a
        copy of the repo's dagster.yaml."""
        private = (self.landing_dir, self.quarantine_dir, self.raw_dir)
        for path in (self.data_dir, *private, self.dagster_home):
            path.mkdir(parents=True, exist_ok=True)
        for path in private:
            path.chmod(0o700)
        self.serve_dir.mkdir(parents=True, exist_ok=True)
        target = self.dagster_home / "dagster.yaml"
        if not target.exists() or not filecmp.cmp(DAGSTER_YAML, target, shallow=False):
            shutil.copyfile(DAGSTER_YAML, target)

    def export_env(self) -> None:
        """Make the resolved settings visible to child processes (dbt, Dagster)."""
        os.environ["CITYGVC_DATA_DIR"] = str(self.data_dir)
        os.environ["CITYGVC_RELEASES"] = self.releases
        os.environ["DAGSTER_HOME"] = str(self.dagster_home)
        os.environ["CITYGVC_ENGINE"] = self.engine
        if self.engine == "spark":
            # a local Spark binds to the loopback interface only (docs/scale-out.md)
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")


def _byte_size(env: dict[str, str], name: str, default: int) -> int:
    """A positive size in bytes, optionally with a binary unit: `500000000`, `512 MiB`, `4GiB`."""
    text = (env.get(name) or "").strip()
    if not text:
        return default
    match = _BYTES_RE.match(text)
    value = int(match.group(1)) * _BYTE_UNITS[match.group(2)] if match else 0
    if value <= 0:
        raise ValueError(f"{name} must be a positive number of bytes (e.g. 4GiB), not {text!r}")
    return value


def _count(env: dict[str, str], name: str, default: int) -> int:
    """A whole number of at least 1 (keeping nothing would delete what is in use)."""
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {text!r}")
    return int(text)


def _cron(env: dict[str, str], name: str, default: str) -> str:
    """A five-field cron string, checked with the parser Dagster's schedules use, so that a
    typo stops every command at start instead of the code location failing to load."""
    text = " ".join((env.get(name) or "").split())
    if not text or text == default:
        return default
    # Imported only when a cron is set: importing dagster takes about 0.4 s, which commands
    # that never schedule anything (catalog, check) should not pay by default.
    from dagster._utils.schedules import is_valid_cron_string

    if not is_valid_cron_string(text):
        raise ValueError(
            f"{name} must be a five-field cron string such as {default!r} "
            f"(minute hour day-of-month month day-of-week, UTC), not {text!r}"
        )
    return text


def raw_dir_beside(warehouse_path: Path) -> Path:
    """The raw rows' folder (one Parquet folder per loaded release), beside the warehouse
    file whose views read it."""
    return warehouse_path.parent / "raw"


def main() -> None:
    parser = argparse.ArgumentParser(description="Show or prepare citygvc settings.")
    parser.add_argument("--prepare", action="store_true", help="create folders and DAGSTER_HOME")
    args = parser.parse_args()
    settings = Settings.from_env()
    if args.prepare:
        settings.prepare()
    for name, value in vars(settings).items():
        print(f"{name} = {value}")


if __name__ == "__main__":
    main()
