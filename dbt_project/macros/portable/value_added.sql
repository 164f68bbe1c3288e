{#- SQL that DuckDB and Spark spell differently, used by the value-added models
    (models/intermediate/asif/int_firm_years_va_*, int_firm_years_value_added,
    int_value_added_benchmarks); same style as macros/portable.sql. -#}


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
