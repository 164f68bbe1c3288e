{#- SQL that DuckDB and Spark spell differently, one macro each, dispatched on the target's
    adapter (adapter.dispatch, namespace citygvc): the duckdb__ implementation is the SQL the
    models always ran on DuckDB, the spark__ one gives the same values on Spark
    (docs/scale-out.md#portable-sql). This file: lists (DuckDB) and arrays (Spark): building,
    unnesting and summing them. -#}


{#- list_elements(list): one row per element of the list `list` (in a select list; no row for
    an empty or NULL list). -#}
{% macro list_elements(list) -%}
    {{ return(adapter.dispatch('list_elements', 'citygvc')(list)) }}
{%- endmacro %}

{% macro duckdb__list_elements(list) -%}
    unnest({{ list }})
{%- endmacro %}

{% macro spark__list_elements(list) -%}
    explode({{ list }})
{%- endmacro %}


{#- distinct_non_null_list(): called with a block of comma-separated expressions, the list of
    their distinct non-null values (the populations a row belongs to). -#}
{% macro distinct_non_null_list() -%}
    {{ return(adapter.dispatch('distinct_non_null_list', 'citygvc')(caller())) }}
{%- endmacro %}

{% macro duckdb__distinct_non_null_list(elements) -%}
    list_distinct([{{ elements }}])
{%- endmacro %}

{% macro spark__distinct_non_null_list(elements) -%}
    array_distinct(filter(array({{ elements }}), element -> element is not null))
{%- endmacro %}


{#- ranked_values(rank_alias, value_alias, values): one row per element of `values` (a list
    of SQL expressions) for each input row: its 1-based position as `rank_alias` and the
    expression's value as `value_alias`. A select-list item. -#}
{% macro ranked_values(rank_alias, value_alias, values) -%}
    {{ return(adapter.dispatch('ranked_values', 'citygvc')(rank_alias, value_alias, values)) }}
{%- endmacro %}

{% macro duckdb__ranked_values(rank_alias, value_alias, values) -%}
    unnest([
        {%- for v in values %}{{ loop.index }}{{ ", " if not loop.last }}{% endfor -%}
    ]) as {{ rank_alias }},
    unnest([
        {%- for v in values %}
        {{ v }}{{ "," if not loop.last }}
        {%- endfor %}
    ]) as {{ value_alias }}
{%- endmacro %}

{#- two explodes would multiply: inline pairs each rank with its value -#}
{% macro spark__ranked_values(rank_alias, value_alias, values) -%}
    inline(array(
        {%- for v in values %}
        named_struct(
            '{{ rank_alias }}', {{ loop.index }}, '{{ value_alias }}', {{ v }}
        ){{ "," if not loop.last }}
        {%- endfor %}
    ))
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
        slice({{ expr }}, 2, greatest(size({{ expr }}), 1)), try_element_at({{ expr }}, 1),
        (total, element) -> total + element
    )
{%- endmacro %}


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


{#- first_element(list): the list's first element (NULL when the list is empty or NULL). -#}
{% macro first_element(list) -%}
    {{ return(adapter.dispatch('first_element', 'citygvc')(list)) }}
{%- endmacro %}

{% macro duckdb__first_element(list) -%}
    list_extract({{ list }}, 1)
{%- endmacro %}

{% macro spark__first_element(list) -%}
    try_element_at({{ list }}, 1)
{%- endmacro %}
