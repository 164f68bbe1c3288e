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


{#- materialized_cte(): the keyword after `name as` that makes a CTE computed once: DuckDB's
    `materialized`; none on Spark, which has no such hint (see cte_chain). -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'citygvc')()) }}
{%- endmacro %}

{% macro duckdb__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro spark__materialized_cte() -%}
{%- endmacro %}


{#- cte_chain(prelude, links, prefix): the CTEs of a chain of passes, for a `with` list:
    `prelude` (CTEs every pass may read), then `links`, where links[k] is CTEs ending in
    `<prefix><k>`, which reads `<prefix><k-1>`. DuckDB: all of them, as written (each link's
    materialized CTEs are computed once). Spark inlines CTEs, and a view (cached or not) keeps
    the plan of what it reads, so a chain whose links each read the previous one several times
    grows a plan exponential in its length. There each link is written by its own statement to
    a Parquet table beside the model (`<model>__<prefix><k>`), which the next link reads; a
    link's table is dropped once the next one is written, the last one stays for the model's
    select (and is replaced on the next build). -#}
{% macro cte_chain(prelude, links, prefix) -%}
    {{ return(adapter.dispatch('cte_chain', 'citygvc')(prelude, links, prefix)) }}
{%- endmacro %}

{% macro duckdb__cte_chain(prelude, links, prefix) -%}
{{ prelude }},

{{ links | join(',\n\n') }}
{%- endmacro %}

{% macro spark__cte_chain(prelude, links, prefix) -%}
    {%- set tables = [] -%}
    {%- for link in links -%}
        {%- do tables.append(this.schema ~ '.' ~ this.identifier ~ '__' ~ prefix ~ loop.index0) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- for link in links -%}
            {%- set previous -%}
                {%- if not loop.first %},
{{ prefix }}{{ loop.index0 - 1 }} as (select * from {{ tables[loop.index0 - 1] }})
                {%- endif -%}
            {%- endset -%}
            {%- do run_query('drop table if exists ' ~ tables[loop.index0]) -%}
            {%- do run_query(
                'create table ' ~ tables[loop.index0] ~ ' using parquet as with ' ~ prelude
                ~ previous ~ ',\n' ~ link ~ '\nselect * from ' ~ prefix ~ loop.index0
            ) -%}
            {%- if not loop.first -%}
                {%- do run_query('drop table ' ~ tables[loop.index0 - 1]) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{{ prelude }},

{{ prefix }}{{ links | length - 1 }} as (select * from {{ tables[-1] }})
{%- endmacro %}
