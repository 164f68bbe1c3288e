{#- Array and digest SQL of the ASIF cell models that DuckDB and Spark spell differently
    (dispatched like macros/portable.sql). -#}


{#- largest_values(expr, n): the group's `n` largest non-null values of `expr`, as an array
    in descending order. -#}
{% macro largest_values(expr, n) -%}
    {{ return(adapter.dispatch('largest_values', 'citygvc')(expr, n)) }}
{%- endmacro %}

{% macro duckdb__largest_values(expr, n) -%}
    max({{ expr }}, {{ n }})
{%- endmacro %}

{% macro spark__largest_values(expr, n) -%}
    slice(sort_array(collect_list({{ expr }}), false), 1, {{ n }})
{%- endmacro %}


{#- largest_values_of_arrays(expr, n): the `n` largest elements of all the group's arrays
    `expr` together, as an array in descending order. -#}
{% macro largest_values_of_arrays(expr, n) -%}
    {{ return(adapter.dispatch('largest_values_of_arrays', 'citygvc')(expr, n)) }}
{%- endmacro %}

{% macro duckdb__largest_values_of_arrays(expr, n) -%}
    list_slice(list_reverse_sort(flatten(list({{ expr }}))), 1, {{ n }})
{%- endmacro %}

{% macro spark__largest_values_of_arrays(expr, n) -%}
    slice(sort_array(flatten(collect_list({{ expr }})), false), 1, {{ n }})
{%- endmacro %}


{#- array_total(expr): the sum of the elements of the array `expr`, in its element type
    (NULL for an empty array). -#}
{% macro array_total(expr) -%}
    {{ return(adapter.dispatch('array_total', 'citygvc')(expr)) }}
{%- endmacro %}

{% macro duckdb__array_total(expr) -%}
    list_sum({{ expr }})
{%- endmacro %}

{% macro spark__array_total(expr) -%}
    aggregate(
        slice({{ expr }}, 2, greatest(size({{ expr }}), 1)), element_at({{ expr }}, 1),
        (total, element) -> total + element
    )
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
