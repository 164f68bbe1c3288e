{#- SQL that DuckDB and Spark spell differently, one macro each, dispatched on the target's
    adapter (adapter.dispatch, namespace citygvc): the duckdb__ implementation is the SQL the
    models always ran on DuckDB, the spark__ one gives the same values on Spark
    (docs/scale-out.md#portable-sql). This file: aggregates and window values: a value at the
    smallest key, first and last non-null values, sums of the largest values, digests. -#}


{#- value_at_min(value, key): `value` of the row with the smallest `key` in the group. -#}
{% macro value_at_min(value, key) -%}
    {{ return(adapter.dispatch('value_at_min', 'citygvc')(value, key)) }}
{%- endmacro %}

{% macro duckdb__value_at_min(value, key) -%}
    arg_min({{ value }}, {{ key }})
{%- endmacro %}

{% macro spark__value_at_min(value, key) -%}
    min_by({{ value }}, {{ key }})
{%- endmacro %}


{#- value_at_min_keeping_null(value, key): `value` of the row with the smallest `key` in the
    group, even when that value is null (value_at_min may skip rows whose value is null). -#}
{% macro value_at_min_keeping_null(value, key) -%}
    {{ return(adapter.dispatch('value_at_min_keeping_null', 'citygvc')(value, key)) }}
{%- endmacro %}

{% macro duckdb__value_at_min_keeping_null(value, key) -%}
    arg_min_null({{ value }}, {{ key }})
{%- endmacro %}

{#- Spark's min_by skips only rows whose key is null, never those whose value is -#}
{% macro spark__value_at_min_keeping_null(value, key) -%}
    min_by({{ value }}, {{ key }})
{%- endmacro %}


{#- value_at_first(value, keys): `value` of the group's first row ordered by `keys` (a list
    of non-null expressions, each ascending). -#}
{% macro value_at_first(value, keys) -%}
    {{ return(adapter.dispatch('value_at_first', 'citygvc')(value, keys)) }}
{%- endmacro %}

{% macro duckdb__value_at_first(value, keys) -%}
first(
    {{ value }}
    order by {{ keys | join(' asc, ') }} asc
)
{%- endmacro %}

{% macro spark__value_at_first(value, keys) -%}
    min_by({{ value }}, struct({{ keys | join(', ') }}))
{%- endmacro %}


{#- first_non_null(expr): in a window, the first non-null value of `expr` in the frame. -#}
{% macro first_non_null(expr) -%}
    {{ return(adapter.dispatch('first_non_null', 'citygvc')(expr)) }}
{%- endmacro %}

{% macro duckdb__first_non_null(expr) -%}
    first_value({{ expr }} ignore nulls)
{%- endmacro %}

{% macro spark__first_non_null(expr) -%}
    first_value({{ expr }}, true)
{%- endmacro %}


{#- last_non_null(expr): in a window, the last non-null value of `expr` in the frame. -#}
{% macro last_non_null(expr) -%}
    {{ return(adapter.dispatch('last_non_null', 'citygvc')(expr)) }}
{%- endmacro %}

{% macro duckdb__last_non_null(expr) -%}
    last_value({{ expr }} ignore nulls)
{%- endmacro %}

{% macro spark__last_non_null(expr) -%}
    last_value({{ expr }}, true)
{%- endmacro %}


{#- sum_of_largest(expr, n, condition, sum_type): the sum of the `n` largest non-null values
    of `expr` among the group's rows where `condition` holds; NULL when there are none.
    `sum_type` is the exact type of the sum (Spark's lambda needs it; DuckDB's list_sum of a
    DECIMAL(18, s) list already gives DECIMAL(38, s)). -#}
{% macro sum_of_largest(expr, n, condition, sum_type) -%}
    {{ return(adapter.dispatch('sum_of_largest', 'citygvc')(expr, n, condition, sum_type)) }}
{%- endmacro %}

{% macro duckdb__sum_of_largest(expr, n, condition, sum_type) -%}
    list_sum(max({{ expr }}, {{ n }}) filter (where {{ condition }}))
{%- endmacro %}

{% macro spark__sum_of_largest(expr, n, condition, sum_type) -%}
    aggregate(
        slice(sort_array(collect_list({{ expr }}) filter (where {{ condition }}), false), 1, {{ n }}),
        cast(null as {{ sum_type }}),
        (total, x) -> cast(coalesce(total, 0) + x as {{ sum_type }})
    )
{%- endmacro %}


{#- sum_of_two_largest(expr): aggregate, the sum of the group's two largest non-null values of
    `expr` (the one value when there is one; NULL when none). -#}
{% macro sum_of_two_largest(expr) -%}
    {{ return(adapter.dispatch('sum_of_two_largest', 'citygvc')(expr)) }}
{%- endmacro %}

{% macro duckdb__sum_of_two_largest(expr) -%}
    list_sum(max({{ expr }}, 2))
{%- endmacro %}

{% macro spark__sum_of_two_largest(expr) -%}
    try_element_at(sort_array(collect_list({{ expr }}), false), 1)
    + coalesce(try_element_at(sort_array(collect_list({{ expr }}), false), 2), 0)
{%- endmacro %}


{#- sum_of_two_largest_in_lists(lists, condition): aggregate, the sum of the two largest
    elements of all the group's lists `lists` on rows where `condition` holds (NULL when none). -#}
{% macro sum_of_two_largest_in_lists(lists, condition) -%}
    {{ return(adapter.dispatch('sum_of_two_largest_in_lists', 'citygvc')(lists, condition)) }}
{%- endmacro %}

{% macro duckdb__sum_of_two_largest_in_lists(lists, condition) -%}
    list_sum(list_slice(list_reverse_sort(flatten(
        list({{ lists }}) filter (
            where {{ condition }}
        )
    )), 1, 2))
{%- endmacro %}

{% macro spark__sum_of_two_largest_in_lists(lists, condition) -%}
    {%- set largest_first -%}
        sort_array(flatten(collect_list({{ lists }}) filter (where {{ condition }})), false)
    {%- endset -%}
    try_element_at({{ largest_first }}, 1) + coalesce(try_element_at({{ largest_first }}, 2), 0)
{%- endmacro %}


{#- rows_digest(columns): text fingerprint of the group's rows over `columns`: the row count
    and the sum of the rows' hashes (independent of row order). Engine-specific hash: a digest
    is only ever compared with one the same engine wrote (built_from of incremental models,
    which no published table carries), so DuckDB and Spark digests need not agree. -#}
{% macro rows_digest(columns) -%}
    {{ return(adapter.dispatch('rows_digest', 'citygvc')(columns)) }}
{%- endmacro %}

{% macro duckdb__rows_digest(columns) -%}
    cast(count(*) as varchar) || ':' || cast(sum(cast(hash(
            {{ columns | join(',\n            ') }}
        ) as hugeint)) as varchar)
{%- endmacro %}

{% macro spark__rows_digest(columns) -%}
    cast(count(*) as string) || ':' || cast(sum(cast(xxhash64(
            {{ columns | join(',\n            ') }}
        ) as decimal(38, 0))) as string)
{%- endmacro %}


{#- row_hash(columns): a 64-bit hash of the row's `columns`; equal values (NULLs included)
    hash equal. Engine-specific, like rows_digest: only ever compared within one query. -#}
{% macro row_hash(columns) -%}
    {{ return(adapter.dispatch('row_hash', 'citygvc')(columns)) }}
{%- endmacro %}

{% macro duckdb__row_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__row_hash(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}
