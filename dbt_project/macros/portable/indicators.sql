{#- Portable spellings the indicator models need (see macros/portable.sql for the pattern:
    one dispatch macro, a duckdb__ branch that is the SQL DuckDB always ran, a spark__ one). -#}


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


{#- joined_distinct_values(values, separator): the distinct non-null values among the
    expressions `values` (a list of SQL expressions of one row), sorted, joined by
    `separator` (a SQL string literal's contents). -#}
{% macro joined_distinct_values(values, separator) -%}
    {{ return(adapter.dispatch('joined_distinct_values', 'citygvc')(values, separator)) }}
{%- endmacro %}

{% macro duckdb__joined_distinct_values(values, separator) -%}
    array_to_string(list_sort(list_distinct([{{ values | join(', ') }}])), '{{ separator }}')
{%- endmacro %}

{#- array_join without a null replacement skips the NULL that array_distinct keeps -#}
{% macro spark__joined_distinct_values(values, separator) -%}
    array_join(array_sort(array_distinct(array({{ values | join(', ') }}))), '{{ separator }}')
{%- endmacro %}


{#- space_separated_list(expr): the words of `expr` (separated by single spaces) as a list of
    strings; an empty list when `expr` is NULL or ''. -#}
{% macro space_separated_list(expr) -%}
    {{ return(adapter.dispatch('space_separated_list', 'citygvc')(expr)) }}
{%- endmacro %}

{% macro duckdb__space_separated_list(expr) -%}
    coalesce(
        string_split(nullif({{ expr }}, ''), ' '), cast([] as varchar[])
    )
{%- endmacro %}

{% macro spark__space_separated_list(expr) -%}
    coalesce(split(nullif({{ expr }}, ''), ' '), cast(array() as array<string>))
{%- endmacro %}


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


{#- separated_list_contains(text, separator, item): true when `item` is one of the parts of
    `text` split at `separator` (a SQL string literal's contents, no regex metacharacter). -#}
{% macro separated_list_contains(text, separator, item) -%}
    {{ return(adapter.dispatch('separated_list_contains', 'citygvc')(text, separator, item)) }}
{%- endmacro %}

{% macro duckdb__separated_list_contains(text, separator, item) -%}
    list_contains(string_split({{ text }}, '{{ separator }}'), {{ item }})
{%- endmacro %}

{% macro spark__separated_list_contains(text, separator, item) -%}
    array_contains(split({{ text }}, '{{ separator }}'), {{ item }})
{%- endmacro %}
