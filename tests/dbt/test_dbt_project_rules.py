"""dbt-project-evaluator's rules, checked on the parsed manifest (dbt_project/target/manifest.json).

The package itself cannot be installed here (no dbt hub), so each rule of its docs/rules that can
be decided from the manifest is re-implemented below as a small function over a `Project` (nodes
and their direct parents). Every rule runs twice: on the real project (no findings at all: the
project has no exceptions) and on a tiny synthetic project built to break it (it must report the
break), so no rule can pass vacuously. Not checked: source freshness (releases are not
time-driven) and hard-coded references (sqlfluff and the ref/source-only style cover them).

Thresholds are the package defaults: model fanout 3 leaf children, too many joins 7 parents (the
package reports a model with 7 or more distinct direct parents: `having count(distinct parent)
>= 7`), chained views 5. Model types come from the name prefix, else from the closest folder
named for a type (as the package does).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "dbt_project" / "target" / "manifest.json"
PROJECT = "citygvc"

PREFIXES = {
    "stg_": "staging",
    "int_": "intermediate",
    "fct_": "marts",
    "dim_": "marts",
    "base_": "base",
    "rpt_": "other",
}
FOLDERS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts", "base": "base"}
FANOUT_THRESHOLD = 3
TOO_MANY_JOINS = 7
CHAINED_VIEWS = 5
MAX_SQL_LINES = 200
PRIMARY_KEY_COMBINATION = "unique_combination_of_columns"  # the project's own generic test


@dataclass
class Node:
    name: str
    kind: str  # model | seed | source | exposure
    path: str = ""  # models/...: the .sql file, or the YAML of a source
    parents: list[str] = field(default_factory=list)
    materialized: str = "table"
    description: str = ""
    source_name: str = ""
    source_description: str = ""
    access: str = "protected"
    contract: bool = False
    relation: str = ""
    sql_lines: int = 0


@dataclass
class DataTest:
    name: str  # unique | not_null | unique_combination_of_columns | ... | singular
    model: str | None  # the model the test is attached to (None: singular test)
    column: str | None
    yml_dir: str = ""  # directory of the YAML that defines it


@dataclass
class Project:
    nodes: dict[str, Node]
    tests: list[DataTest]

    def models(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "model"]

    def children(self, name: str) -> list[str]:
        return [n.name for n in self.nodes.values() if name in n.parents]


def model_type(node: Node) -> str:
    for prefix, kind in PREFIXES.items():
        if node.name.startswith(prefix):
            return kind
    return folder_type(node) or "other"


def folder_type(node: Node) -> str | None:
    """The model type of the folder closest to the file (the package's model_type_folder)."""
    for part in reversed(Path(node.path).parent.parts):
        if part in FOLDERS:
            return FOLDERS[part]
    return None


# --- modeling ------------------------------------------------------------------------------


def direct_join_to_source(p: Project) -> set[tuple[str, ...]]:
    found = set()
    for m in p.models():
        kinds = {p.nodes[x].kind for x in m.parents}
        if {"model", "source"} <= kinds:
            found.add((m.name,))
    return found


def downstream_dependent_on_source(p: Project) -> set[tuple[str, ...]]:
    return {
        (x, m.name)
        for m in p.models()
        if model_type(m) in ("intermediate", "marts")
        for x in m.parents
        if p.nodes[x].kind == "source"
    }


def duplicate_sources(p: Project) -> set[tuple[str, ...]]:
    seen: dict[str, list[str]] = {}
    for n in p.nodes.values():
        if n.kind == "source":
            seen.setdefault(n.relation.lower(), []).append(n.name)
    return {tuple(sorted(names)) for names in seen.values() if len(names) > 1}


def model_fanout(p: Project) -> set[tuple[str, ...]]:
    leaves = {m.name for m in p.models() if not p.children(m.name)}
    found = set()
    for parent in p.nodes.values():
        leaf_children = [c for c in p.children(parent.name) if c in leaves]
        if len(leaf_children) >= FANOUT_THRESHOLD:
            found.add((parent.name, *sorted(leaf_children)))
    return found


def multiple_sources_joined(p: Project) -> set[tuple[str, ...]]:
    return {
        (m.name,) for m in p.models() if sum(p.nodes[x].kind == "source" for x in m.parents) > 1
    }


def rejoining_of_upstream_concepts(p: Project) -> set[tuple[str, ...]]:
    """parent → between → child and parent → child, where `between` has no other child."""
    found = set()
    for child in p.nodes.values():
        direct = set(child.parents)
        for between in direct:
            if p.children(between) != [child.name]:
                continue
            for parent in set(p.nodes[between].parents) & direct:
                found.add((parent, between, child.name))
    return found


def root_models(p: Project) -> set[tuple[str, ...]]:
    return {(m.name,) for m in p.models() if not m.parents}


def source_fanout(p: Project) -> set[tuple[str, ...]]:
    found = set()
    for s in p.nodes.values():
        if s.kind == "source":
            children = [c for c in p.children(s.name) if p.nodes[c].kind == "model"]
            if len(children) > 1:
                found.add((s.name, *sorted(children)))
    return found


def staging_dependent_on_downstream(p: Project) -> set[tuple[str, ...]]:
    return {
        (x, m.name)
        for m in p.models()
        if model_type(m) == "staging"
        for x in m.parents
        if p.nodes[x].kind == "model" and model_type(p.nodes[x]) in ("intermediate", "marts")
    }


def staging_dependent_on_staging(p: Project) -> set[tuple[str, ...]]:
    return {
        (x, m.name)
        for m in p.models()
        if model_type(m) == "staging"
        for x in m.parents
        if p.nodes[x].kind == "model" and model_type(p.nodes[x]) == "staging"
    }


def unused_sources(p: Project) -> set[tuple[str, ...]]:
    return {(s.name,) for s in p.nodes.values() if s.kind == "source" and not p.children(s.name)}


def too_many_joins(p: Project) -> set[tuple[str, ...]]:
    """Models with TOO_MANY_JOINS or more distinct direct parents (models, seeds, sources)."""
    return {(m.name,) for m in p.models() if len(set(m.parents)) >= TOO_MANY_JOINS}


# --- testing -------------------------------------------------------------------------------


def missing_primary_key_tests(p: Project) -> set[tuple[str, ...]]:
    found = set()
    for m in p.models():
        tests = [t for t in p.tests if t.model == m.name]
        columns: dict[str | None, set[str]] = {}
        for t in tests:
            columns.setdefault(t.column, set()).add(t.name)
        single = any({"unique", "not_null"} <= names for col, names in columns.items() if col)
        combination = any(t.name == PRIMARY_KEY_COMBINATION for t in tests)
        if not (single or combination):
            found.add((m.name,))
    return found


def model_test_coverage(p: Project) -> set[tuple[str, ...]]:
    tested = {t.model for t in p.tests}
    return {(m.name,) for m in p.models() if m.name not in tested}


# --- documentation -------------------------------------------------------------------------


def undocumented_models(p: Project) -> set[tuple[str, ...]]:
    return {(m.name,) for m in p.models() if not m.description.strip()}


def undocumented_sources(p: Project) -> set[tuple[str, ...]]:
    return {
        (n.source_name,)
        for n in p.nodes.values()
        if n.kind == "source" and not n.source_description.strip()
    }


def undocumented_source_tables(p: Project) -> set[tuple[str, ...]]:
    return {(n.name,) for n in p.nodes.values() if n.kind == "source" and not n.description.strip()}


# --- structure -----------------------------------------------------------------------------

NAME_PATTERNS = {
    "staging": re.compile(r"stg_[a-z0-9]+(_[a-z0-9]+)*__[a-z0-9]+(_[a-z0-9]+)*"),
    "base": re.compile(r"base_[a-z0-9]+(_[a-z0-9]+)*__[a-z0-9]+(_[a-z0-9]+)*"),
    "intermediate": re.compile(r"int_[a-z0-9]+(_[a-z0-9]+)*_[a-z0-9]+"),
    "marts": re.compile(r"(fct|dim)_[a-z0-9]+(_[a-z0-9]+)*"),
}


def model_naming_conventions(p: Project) -> set[tuple[str, ...]]:
    """The prefix of the model's type (stg_, int_, fct_/dim_), in the project's pattern."""
    found = set()
    for m in p.models():
        pattern = NAME_PATTERNS.get(model_type(m))
        if pattern is None or not pattern.fullmatch(m.name):
            found.add((m.name,))
    return found


def model_directories(p: Project) -> set[tuple[str, ...]]:
    found = set()
    for m in p.models():
        kind = model_type(m)
        if folder_type(m) != kind:
            found.add((m.name, m.path))
        if kind == "staging":
            for x in m.parents:
                src = p.nodes[x]
                if src.kind == "source" and src.source_name not in Path(m.path).parent.parts:
                    found.add((m.name, m.path))
    return found


def source_directories(p: Project) -> set[tuple[str, ...]]:
    return {
        (n.name, n.path)
        for n in p.nodes.values()
        if n.kind == "source" and Path(n.path).parent != Path("models", "staging", n.source_name)
    }


def generic_test_directories(p: Project) -> set[tuple[str, ...]]:
    return {
        (t.name, t.model or "", t.yml_dir)
        for t in p.tests
        if t.model and t.yml_dir and t.yml_dir != str(Path(p.nodes[t.model].path).parent)
    }


def sql_too_long(p: Project) -> set[tuple[str, ...]]:
    return {(m.name,) for m in p.models() if m.sql_lines > MAX_SQL_LINES}


# --- performance and governance -------------------------------------------------------------


def chained_views(p: Project) -> set[tuple[str, ...]]:
    """Models over a chain of more than CHAINED_VIEWS views / ephemeral models."""
    memo: dict[str, int] = {}

    def depth(name: str) -> int:  # longest chain of non-physical models ending at `name`
        if name not in memo:
            node = p.nodes[name]
            if node.kind != "model" or node.materialized not in ("view", "ephemeral"):
                memo[name] = 0
            else:
                memo[name] = 1 + max((depth(x) for x in node.parents), default=0)
        return memo[name]

    return {
        (m.name,)
        for m in p.models()
        if max((depth(x) for x in m.parents), default=0) > CHAINED_VIEWS
    }


def exposure_parents_materializations(p: Project) -> set[tuple[str, ...]]:
    return {
        (x, e.name)
        for e in p.nodes.values()
        if e.kind == "exposure"
        for x in e.parents
        if p.nodes[x].kind == "source"
        or (p.nodes[x].kind == "model" and p.nodes[x].materialized not in ("table", "incremental"))
    }


def public_models_without_contract(p: Project) -> set[tuple[str, ...]]:
    return {(m.name,) for m in p.models() if m.access == "public" and not m.contract}


RULES = [
    direct_join_to_source,
    downstream_dependent_on_source,
    duplicate_sources,
    model_fanout,
    multiple_sources_joined,
    rejoining_of_upstream_concepts,
    root_models,
    source_fanout,
    staging_dependent_on_downstream,
    staging_dependent_on_staging,
    unused_sources,
    too_many_joins,
    missing_primary_key_tests,
    model_test_coverage,
    undocumented_models,
    undocumented_sources,
    undocumented_source_tables,
    model_naming_conventions,
    model_directories,
    source_directories,
    generic_test_directories,
    sql_too_long,
    chained_views,
    exposure_parents_materializations,
    public_models_without_contract,
]


# --- the manifest --------------------------------------------------------------------------


def load_project(manifest: dict) -> Project:
    names: dict[str, str] = {}
    nodes: dict[str, Node] = {}
    for uid, n in manifest["nodes"].items():
        if n["package_name"] != PROJECT or n["resource_type"] not in ("model", "seed"):
            continue
        names[uid] = n["name"]
        config = n.get("config", {})
        sql_lines = 0
        if n["resource_type"] == "model":
            sql_file = ROOT / "dbt_project" / n["original_file_path"]
            sql_lines = len(sql_file.read_text().splitlines())
        nodes[n["name"]] = Node(
            name=n["name"],
            kind=n["resource_type"],
            path=n["original_file_path"],
            materialized=config.get("materialized", "table"),
            description=n.get("description", ""),
            access=str(n.get("access", "protected")),
            contract=bool(config.get("contract", {}).get("enforced")),
            sql_lines=sql_lines,
        )
    for uid, s in manifest["sources"].items():
        if s["package_name"] != PROJECT:
            continue
        name = f"{s['source_name']}.{s['name']}"
        names[uid] = name
        nodes[name] = Node(
            name=name,
            kind="source",
            path=s["original_file_path"],
            description=s.get("description", ""),
            source_name=s["source_name"],
            source_description=s.get("source_description", ""),
            relation=s.get("relation_name") or f"{s['schema']}.{s['identifier']}",
        )
    for uid, e in manifest.get("exposures", {}).items():
        if e["package_name"] == PROJECT:
            names[uid] = e["name"]
            nodes[e["name"]] = Node(name=e["name"], kind="exposure", path=e["original_file_path"])
    for uid, n in [*manifest["nodes"].items(), *manifest.get("exposures", {}).items()]:
        if uid in names and n["resource_type"] in ("model", "exposure"):
            parents = n["depends_on"]["nodes"]
            nodes[names[uid]].parents = sorted({names[x] for x in parents if x in names})
    tests = []
    for n in manifest["nodes"].values():
        if n["package_name"] != PROJECT or n["resource_type"] != "test":
            continue
        meta = n.get("test_metadata") or {}
        attached = n.get("attached_node")
        tests.append(
            DataTest(
                name=meta.get("name", "singular"),
                model=names.get(attached) if attached else None,
                column=n.get("column_name"),
                yml_dir=str(Path(n["original_file_path"]).parent) if meta else "",
            )
        )
    for t in tests:  # a test on a seed is not a model test
        if t.model and nodes[t.model].kind != "model":
            t.model = None
    return Project(nodes, tests)


@pytest.fixture(scope="module")
def project() -> Project:
    # prepares (parses) the manifest when it is missing or older than the project's files
    subprocess.run(
        [sys.executable, "-m", "orchestration.warehouse.dbt"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return load_project(json.loads(MANIFEST.read_text()))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_project_follows_rule(project: Project, rule) -> None:
    # no exceptions: staging never reads staging (supersession is applied in intermediate)
    assert project.models(), "no models in the manifest"
    assert rule(project) == set()


# --- each rule can fail ---------------------------------------------------------------------


def _model(name: str, path: str, *parents: str, **kw) -> Node:
    return Node(name=name, kind="model", path=path, parents=list(parents), description="d", **kw)


def _good() -> Project:
    """A small project that follows every rule."""
    nodes = [
        Node(
            "src.orders",
            "source",
            "models/staging/src/_src__sources.yml",
            description="d",
            source_name="src",
            source_description="d",
            relation="raw.orders",
        ),
        Node(
            "src.customers",
            "source",
            "models/staging/src/_src__sources.yml",
            description="d",
            source_name="src",
            source_description="d",
            relation="raw.customers",
        ),
        _model("stg_src__orders", "models/staging/src/stg_src__orders.sql", "src.orders"),
        _model("stg_src__customers", "models/staging/src/stg_src__customers.sql", "src.customers"),
        _model(
            "int_orders_joined",
            "models/intermediate/int_orders_joined.sql",
            "stg_src__orders",
            "stg_src__customers",
        ),
        _model("fct_orders", "models/marts/fct_orders.sql", "int_orders_joined"),
    ]
    p = Project({n.name: n for n in nodes}, [])
    for m in p.models():
        yml = str(Path(m.path).parent)
        p.tests += [DataTest("unique", m.name, "id", yml), DataTest("not_null", m.name, "id", yml)]
    return p


def test_the_synthetic_project_follows_every_rule() -> None:
    p = _good()
    for rule in RULES:
        assert rule(p) == set(), rule.__name__


def _broken(rule_name: str) -> Project:
    """_good() with one small break of the rule `rule_name`."""
    p = _good()
    n = p.nodes
    stg_dir = "models/staging/src/"
    if rule_name == "direct_join_to_source":
        n["int_orders_joined"].parents.append("src.orders")
    elif rule_name == "downstream_dependent_on_source":
        n["fct_orders"].parents = ["src.orders"]
    elif rule_name == "duplicate_sources":
        n["src.customers"].relation = "raw.orders"
    elif rule_name == "model_fanout":
        for i in range(3):
            m = _model(f"fct_orders_{i}", f"models/marts/fct_orders_{i}.sql", "int_orders_joined")
            n[m.name] = m
            p.tests.append(DataTest(PRIMARY_KEY_COMBINATION, m.name, None, "models/marts"))
    elif rule_name == "multiple_sources_joined":
        n["stg_src__orders"].parents.append("src.customers")
    elif rule_name == "rejoining_of_upstream_concepts":
        n["fct_orders"].parents.append("stg_src__orders")
    elif rule_name == "root_models":
        n["fct_orders"].parents = []
    elif rule_name == "source_fanout":
        n["stg_src__customers"].parents.append("src.orders")
    elif rule_name == "staging_dependent_on_downstream":
        n["stg_src__customers"].parents = ["fct_orders"]
    elif rule_name == "staging_dependent_on_staging":
        n["stg_src__customers"].parents = ["stg_src__orders"]
    elif rule_name == "unused_sources":
        n["src.items"] = Node(
            "src.items",
            "source",
            f"{stg_dir}_src__sources.yml",
            description="d",
            source_name="src",
            source_description="d",
        )
    elif rule_name == "too_many_joins":
        n["int_orders_joined"].parents += [f"seed_{i}" for i in range(5)]
        for i in range(5):
            n[f"seed_{i}"] = Node(f"seed_{i}", "seed", f"seeds/seed_{i}.csv")
    elif rule_name == "missing_primary_key_tests":
        p.tests = [t for t in p.tests if not (t.model == "fct_orders" and t.name == "unique")]
    elif rule_name == "model_test_coverage":
        p.tests = [t for t in p.tests if t.model != "fct_orders"]
    elif rule_name == "undocumented_models":
        n["fct_orders"].description = " "
    elif rule_name == "undocumented_sources":
        n["src.orders"].source_description = ""
    elif rule_name == "undocumented_source_tables":
        n["src.orders"].description = ""
    elif rule_name == "model_naming_conventions":
        n["fct_orders"].name = "orders"
        n["orders"] = n.pop("fct_orders")
    elif rule_name == "model_directories":
        n["int_orders_joined"].path = "models/marts/int_orders_joined.sql"
    elif rule_name == "source_directories":
        n["src.orders"].path = "models/staging/_sources.yml"
    elif rule_name == "generic_test_directories":
        p.tests.append(DataTest("not_null", "fct_orders", "id", "models/staging/src"))
    elif rule_name == "sql_too_long":
        n["fct_orders"].sql_lines = MAX_SQL_LINES + 1
    elif rule_name == "chained_views":
        previous = "stg_src__orders"
        for i in range(CHAINED_VIEWS + 1):
            m = _model(
                f"int_orders_view{i}",
                f"models/intermediate/int_orders_view{i}.sql",
                previous,
                materialized="view",
            )
            n[m.name] = m
            previous = m.name
        n["fct_orders"].parents.append(previous)
    elif rule_name == "exposure_parents_materializations":
        n["fct_orders"].materialized = "view"
        n["dashboard"] = Node(
            "dashboard", "exposure", "models/exposures.yml", parents=["fct_orders"]
        )
    elif rule_name == "public_models_without_contract":
        n["fct_orders"].access = "public"
    else:
        raise AssertionError(f"no break for {rule_name}")
    return p


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_rule_reports_a_break(rule) -> None:
    assert rule(_broken(rule.__name__)), f"{rule.__name__} did not report its break"


def test_project_unique_combination_test_is_a_primary_key_test() -> None:
    p = _good()
    p.tests = [t for t in p.tests if t.model != "fct_orders"]
    p.tests.append(DataTest(PRIMARY_KEY_COMBINATION, "fct_orders", None, "models/marts"))
    assert missing_primary_key_tests(p) == set()
