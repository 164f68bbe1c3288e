{#- SQL of the disclosure models (int_derived_disclosure_cells, the secondary suppression) that
    DuckDB and Spark spell differently, dispatched like macros/portable.sql. The duckdb__
    branches are the SQL the models had, so DuckDB's values do not move. -#}


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


{#- unnest_list(list): in a select list, one row per element of `list` (none when empty). -#}
{% macro unnest_list(list) -%}
    {{ return(adapter.dispatch('unnest_list', 'citygvc')(list)) }}
{%- endmacro %}

{% macro duckdb__unnest_list(list) -%}
    unnest({{ list }})
{%- endmacro %}

{% macro spark__unnest_list(list) -%}
    explode({{ list }})
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
