{#- SQL that DuckDB and Spark spell differently, one macro each, dispatched on the target's
    adapter (citygvc's engines: duckdb, spark). A model uses these instead of a DuckDB-only
    function, so the same model builds on both engines with the same values. -#}


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


{#- by_year_incremental(): the config of a model rebuilt a year at a time: DuckDB deletes the
    years it rebuilds and inserts them; Spark overwrites their partitions (Parquet tables
    partitioned by year; the session overwrites only the partitions written). -#}
{% macro by_year_incremental() -%}
    {{ return(adapter.dispatch('by_year_incremental', 'citygvc')()) }}
{%- endmacro %}

{% macro duckdb__by_year_incremental() -%}
    {{ return({'incremental_strategy': 'delete+insert', 'unique_key': 'year'}) }}
{%- endmacro %}

{% macro spark__by_year_incremental() -%}
    {{ return({
        'incremental_strategy': 'insert_overwrite',
        'partition_by': ['year'],
        'file_format': 'parquet',
    }) }}
{%- endmacro %}
