"""No DuckDB-only SQL outside the dispatch macros: every model and data test, and every
macro but the `duckdb__` implementations of a dispatched macro, is free of the constructs
below, which Spark rejects or reads differently (docs/scale-out.md, Portable SQL). The Spark
tests prove the models build there; this scan names the construct and the file before anyone
runs Spark. Each pattern is shown to catch a sample, so none passes vacuously. (`qualify` is
not on the list: Spark 4.3 reads it as DuckDB does; int_firm_ids_linked uses it and
matches.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DBT = Path(__file__).resolve().parents[2] / "dbt_project"

# construct → (pattern, a DuckDB spelling it must catch)
DUCKDB_ONLY = {
    "list functions": (r"\blist_\w+\s*\(|\blist_value\b", "list_sort(list(code))"),
    "list aggregate": (r"\blist\s*\(", "select list(code) from t"),
    "list literal or slice": (r"(?<![\w'])\[\s*(?:'|\d|\w+\s*,)", "select ['a', 'b'] as codes"),
    "unnest": (r"\bunnest\s*\(", "select unnest(codes)"),
    "string_agg": (r"\bstring_agg\s*\(", "string_agg(code, ',' order by code)"),
    "arg_min / arg_max": (r"\barg_(?:min|max)\s*\(", "arg_max(code, weight)"),
    "ordered first / last": (r"\b(?:first|last)\s*\([^()]*\border\s+by\b", "first(x order by y)"),
    "select * exclude / replace": (r"\*\s*(?:exclude|replace)\s*\(", "select * exclude (year)"),
    "hugeint": (r"\bu?hugeint\b", "cast(x as hugeint)"),
    "regexp_full_match": (r"\bregexp_full_match\s*\(", "regexp_full_match(code, '\\d+')"),
    "materialized CTE": (r"\bas\s+(?:not\s+)?materialized\b", "with a as materialized (select 1)"),
    "varchar without a length": (r"\bvarchar\b(?!\s*\()", "cast(null as varchar)"),
    "delete+insert": (r"delete\+insert", "config(incremental_strategy='delete+insert')"),
    "struct_pack": (r"\bstruct_pack\s*\(", "struct_pack(a := 1)"),
    "strftime": (r"\bstrftime\s*\(", "strftime(d, '%Y')"),
    "greatest of a list": (r"\bmax\s*\([^()]*,\s*\d+\s*\)", "max(x, 3)"),
}


def _without_comments(sql: str) -> str:
    sql = re.sub(r"\{#.*?#\}", "", sql, flags=re.S)
    return re.sub(r"--[^\n]*", "", sql)


def _without_duckdb_macros(sql: str) -> str:
    """A macro file without the bodies of its duckdb__ implementations."""
    return re.sub(r"\{%-?\s*macro\s+duckdb__.*?endmacro\s*-?%\}", "", sql, flags=re.S)


def _without_jinja(sql: str) -> str:
    """Jinja's own lists and strings (`{% for s in ['raw', 'ops'] %}`) are not SQL, and the
    arguments of a macro call are checked where the macro puts them into SQL."""
    return re.sub(r"\{%.*?%\}|\{\{.*?\}\}", "", sql, flags=re.S)


def _portable_text(path: Path) -> str:
    text = _without_comments(path.read_text())
    if "macros" in path.parts:
        text = _without_duckdb_macros(text)
    return _without_jinja(text)


def _files() -> list[Path]:
    models = sorted((DBT / "models").rglob("*.sql"))
    tests = sorted((DBT / "tests").rglob("*.sql"))
    macros = [p for p in sorted((DBT / "macros").rglob("*.sql")) if "dev" not in p.parts]
    return models + tests + macros


def _findings(text: str) -> list[str]:
    return [name for name, (pattern, _) in DUCKDB_ONLY.items() if re.search(pattern, text, re.I)]


@pytest.mark.parametrize("name", DUCKDB_ONLY)
def test_each_pattern_catches_its_duckdb_spelling(name: str) -> None:
    assert name in _findings(DUCKDB_ONLY[name][1])


def test_a_duckdb_implementation_of_a_dispatched_macro_is_not_a_finding() -> None:
    macro = (
        "{% macro duckdb__f(x) -%} arg_max({{ x }}, y) {%- endmacro %}\n"
        "{% macro spark__f(x) -%} max_by({{ x }}, y) {%- endmacro %}"
    )
    assert _findings(_without_duckdb_macros(macro)) == []
    assert _findings(macro) == ["arg_min / arg_max"]


def test_the_project_has_no_duckdb_only_sql_outside_dispatch_macros() -> None:
    found = {
        str(path.relative_to(DBT)): hits
        for path in _files()
        if (hits := _findings(_portable_text(path)))
    }
    assert len(_files()) > 50
    assert found == {}
