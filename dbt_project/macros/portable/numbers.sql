{#- SQL that DuckDB and Spark spell differently, one macro each, dispatched on the target's
    adapter (adapter.dispatch, namespace citygvc): the duckdb__ implementation is the SQL the
    models always ran on DuckDB, the spark__ one gives the same values on Spark
    (docs/scale-out.md#portable-sql). This file: numbers: rounding. -#}


{#- rounded_decimal(expr, precision, scale): the double `expr` rounded to `scale` decimals,
    half away from zero, as DECIMAL(precision, scale). DuckDB rounds x × 10^scale in double
    arithmetic; Spark's round() rounds the shortest decimal spelling of x instead, which
    differs where x × 10^scale lands on a half (8 of 5.4 million imputed value-added figures
    at national scale, by 0.001). Spark's branch does DuckDB's arithmetic: the same double
    product, rounded to a whole number (exact either way), then scaled as a decimal. -#}
{% macro rounded_decimal(expr, precision, scale) -%}
    {{ return(adapter.dispatch('rounded_decimal', 'citygvc')(expr, precision, scale)) }}
{%- endmacro %}

{% macro duckdb__rounded_decimal(expr, precision, scale) -%}
    cast(round({{ expr }}, {{ scale }}) as decimal({{ precision }}, {{ scale }}))
{%- endmacro %}

{% macro spark__rounded_decimal(expr, precision, scale) -%}
    cast(
        cast(round(({{ expr }}) * cast({{ 10 ** scale }} as double)) as decimal({{ precision }}, 0))
        / {{ 10 ** scale }}
        as decimal({{ precision }}, {{ scale }})
    )
{%- endmacro %}
