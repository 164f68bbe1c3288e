{#- SQL that DuckDB and Spark spell differently, one macro each, dispatched on the target's
    adapter (adapter.dispatch, namespace citygvc): the duckdb__ implementation is the SQL the
    models always ran on DuckDB, the spark__ one gives the same values on Spark
    (docs/scale-out.md#portable-sql). This file: relations: incremental configuration, column
    lists and chains of CTEs. -#}


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


{#- all_columns_except(relation, columns): every column of `relation` but `columns` (a list
    of names), for a select list reading `relation` unaliased. Spark has no `* exclude`, so
    its branch lists the relation's columns (known only at execution). -#}
{% macro all_columns_except(relation, columns) -%}
    {{ return(adapter.dispatch('all_columns_except', 'citygvc')(relation, columns)) }}
{%- endmacro %}

{% macro duckdb__all_columns_except(relation, columns) -%}
    * exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__all_columns_except(relation, columns) -%}
    {%- if execute -%}
        {%- set kept = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if column.name | lower not in columns | map('lower') | list -%}
                {%- do kept.append(adapter.quote(column.name)) -%}
            {%- endif -%}
        {%- endfor -%}
        {{ kept | join(', ') }}
    {%- else -%}
        *
    {%- endif -%}
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


{#- cte_chain(prelude, prelude_ctes, links, prefix): the CTEs of a chain of passes, for a
    `with` list: `prelude` (CTEs every pass may read, named in `prelude_ctes`), then `links`,
    where links[k] is CTEs ending in `<prefix><k>`, which reads `<prefix><k-1>`. DuckDB: all of
    them, as written (each link's materialized CTEs are computed once). Spark inlines CTEs, and
    a view (cached or not) keeps the plan of what it reads, so a chain whose links each read
    the previous one several times grows a plan exponential in its length. There each prelude
    CTE and then each link is written once, by its own statement, to a Parquet table in the
    model's scratch schema (`<schema>_scratch.<model>__<name>`), which what follows reads; a
    link's table is dropped once the next one is written. The prelude tables and the last link
    stay for the model's select and are replaced on its next build. -#}
{% macro cte_chain(prelude, prelude_ctes, links, prefix) -%}
    {{ return(adapter.dispatch('cte_chain', 'citygvc')(prelude, prelude_ctes, links, prefix)) }}
{%- endmacro %}

{% macro duckdb__cte_chain(prelude, prelude_ctes, links, prefix) -%}
{{ prelude }},

{{ links | join(',\n\n') }}
{%- endmacro %}

{% macro spark__cte_chain(prelude, prelude_ctes, links, prefix) -%}
    {%- set scratch = this.schema ~ '_scratch.' ~ this.identifier ~ '__' -%}
    {%- set read_back = [] -%}
    {%- for name in prelude_ctes -%}
        {%- do read_back.append(name ~ ' as (select * from ' ~ scratch ~ name ~ ')') -%}
    {%- endfor -%}
    {%- set shared = read_back | join(',\n') -%}
    {%- if execute -%}
        {%- do run_query('create database if not exists ' ~ this.schema ~ '_scratch') -%}
        {%- for name in prelude_ctes -%}
            {%- do run_query('drop table if exists ' ~ scratch ~ name) -%}
            {%- do run_query(
                'create table ' ~ scratch ~ name ~ ' using parquet as with ' ~ prelude
                ~ '\nselect * from ' ~ name
            ) -%}
        {%- endfor -%}
        {%- for link in links -%}
            {%- set previous -%}
                {%- if not loop.first %},
{{ prefix }}{{ loop.index0 - 1 }} as (select * from {{ scratch ~ prefix ~ (loop.index0 - 1) }})
                {%- endif -%}
            {%- endset -%}
            {%- do run_query('drop table if exists ' ~ scratch ~ prefix ~ loop.index0) -%}
            {%- do run_query(
                'create table ' ~ scratch ~ prefix ~ loop.index0 ~ ' using parquet as with '
                ~ shared ~ previous ~ ',\n' ~ link ~ '\nselect * from ' ~ prefix ~ loop.index0
            ) -%}
            {%- if not loop.first -%}
                {%- do run_query('drop table ' ~ scratch ~ prefix ~ (loop.index0 - 1)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{{ shared }},

{{ prefix }}{{ links | length - 1 }} as (select * from {{ scratch ~ prefix ~ (links | length - 1) }})
{%- endmacro %}
