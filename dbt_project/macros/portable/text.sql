{#- SQL that DuckDB and Spark spell differently, one macro each, dispatched on the target's
    adapter (adapter.dispatch, namespace citygvc): the duckdb__ implementation is the SQL the
    models always ran on DuckDB, the spark__ one gives the same values on Spark
    (docs/scale-out.md#portable-sql). This file: text: matching, splitting and joining strings. -#}


{#- full_match(expr, pattern): true when the whole of `expr` matches the regular expression
    `pattern` (a SQL string literal's contents, RE2/Java syntax common to both). -#}
{% macro full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('full_match', 'citygvc')(expr, pattern)) }}
{%- endmacro %}

{% macro duckdb__full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__full_match(expr, pattern) -%}
    {{ expr }} rlike '^(?:{{ pattern }})$'
{%- endmacro %}


{#- split_to_rows(expr, separator): a select-list item giving one row per item of the string
    `expr` split on `separator` (a literal character, not a regular expression metacharacter);
    trim or filter the items in a CTE above, since Spark cannot nest a generator. -#}
{% macro split_to_rows(expr, separator) -%}
    {{ return(adapter.dispatch('split_to_rows', 'citygvc')(expr, separator)) }}
{%- endmacro %}

{% macro duckdb__split_to_rows(expr, separator) -%}
    unnest(string_split({{ expr }}, '{{ separator }}'))
{%- endmacro %}

{% macro spark__split_to_rows(expr, separator) -%}
    explode(split({{ expr }}, '{{ separator }}'))
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


{#- sorted_distinct_list(expr, separator): the group's distinct non-null values of `expr`,
    sorted, joined by `separator` (a SQL string literal's contents). -#}
{% macro sorted_distinct_list(expr, separator) -%}
    {{ return(adapter.dispatch('sorted_distinct_list', 'citygvc')(expr, separator)) }}
{%- endmacro %}

{% macro duckdb__sorted_distinct_list(expr, separator) -%}
    string_agg(distinct {{ expr }}, '{{ separator }}' order by {{ expr }})
{%- endmacro %}

{% macro spark__sorted_distinct_list(expr, separator) -%}
    nullif(array_join(array_sort(collect_set({{ expr }})), '{{ separator }}'), '')
{%- endmacro %}


{#- sorted_list(expr, separator): the group's values of `expr` (duplicates kept, NULLs
    skipped), sorted, joined by `separator` (a SQL string literal's contents). -#}
{% macro sorted_list(expr, separator) -%}
    {{ return(adapter.dispatch('sorted_list', 'citygvc')(expr, separator)) }}
{%- endmacro %}

{% macro duckdb__sorted_list(expr, separator) -%}
    array_to_string(list_sort(list({{ expr }})), '{{ separator }}')
{%- endmacro %}

{% macro spark__sorted_list(expr, separator) -%}
    array_join(array_sort(collect_list({{ expr }})), '{{ separator }}')
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
