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


{#- cte_chain(prelude, prelude_ctes, links, prefix, settles_after): the CTEs of a chain of
    passes, for a `with` list: `prelude` (CTEs every pass may read, named in `prelude_ctes`),
    then `links`, where links[k] is CTEs ending in `<prefix><k>`, which reads `<prefix><k-1>`
    and the prelude only. The links cycle through `settles_after` kinds, so once that many
    links in a row leave the state unchanged it is a fixed point of every kind, and the rest of
    the chain would only copy it. DuckDB: all of them, as written (each link's materialized
    CTEs are computed once). Spark inlines CTEs, and a view (cached or not) keeps the plan of
    what it reads, so a chain whose links each read the previous one several times grows a
    plan exponential in its length. There each prelude CTE and then each link is written once,
    by its own statement, to a Parquet table in the model's scratch schema
    (`<schema>_scratch.<model>__<name>`), which what follows reads, and compared with the link
    before; the chain stops once settled, and `<prefix><last>` reads the settled state. A
    link's table is dropped once the next one is written. The prelude tables and the last link
    stay for the model's select and are replaced on its next build. -#}
{% macro cte_chain(prelude, prelude_ctes, links, prefix, settles_after) -%}
    {{ return(adapter.dispatch('cte_chain', 'citygvc')(
        prelude, prelude_ctes, links, prefix, settles_after
    )) }}
{%- endmacro %}

{% macro duckdb__cte_chain(prelude, prelude_ctes, links, prefix, settles_after) -%}
{{ prelude }},

{{ links | join(',\n\n') }}
{%- endmacro %}

{% macro spark__cte_chain(prelude, prelude_ctes, links, prefix, settles_after) -%}
    {%- set scratch = this.schema ~ '_scratch.' ~ this.identifier ~ '__' -%}
    {%- set read_back = [] -%}
    {%- for name in prelude_ctes -%}
        {%- do read_back.append(name ~ ' as (select * from ' ~ scratch ~ name ~ ')') -%}
    {%- endfor -%}
    {%- set shared = read_back | join(',\n') -%}
    {%- set chain = namespace(last=0, unchanged=0) -%}
    {%- if execute -%}
        {%- do run_query('create database if not exists ' ~ this.schema ~ '_scratch') -%}
        {%- for name in prelude_ctes -%}
            {%- do run_query('drop table if exists ' ~ scratch ~ name) -%}
            {%- do run_query(
                'create table ' ~ scratch ~ name ~ ' using parquet as with ' ~ prelude
                ~ '\nselect * from ' ~ name
            ) -%}
        {%- endfor -%}
        {#- a longer chain of an earlier build may have left its last link -#}
        {%- for k in range(links | length) -%}
            {%- do run_query('drop table if exists ' ~ scratch ~ prefix ~ k) -%}
        {%- endfor -%}
        {%- for link in links if chain.unchanged < settles_after -%}
            {%- set k = loop.index0 -%}
            {%- set previous -%}
                {%- if k > 0 %},
{{ prefix }}{{ k - 1 }} as (select * from {{ scratch ~ prefix ~ (k - 1) }})
                {%- endif -%}
            {%- endset -%}
            {%- do run_query(
                'create table ' ~ scratch ~ prefix ~ k ~ ' using parquet as with '
                ~ shared ~ previous ~ ',\n' ~ link ~ '\nselect * from ' ~ prefix ~ k
            ) -%}
            {%- if k > 0 -%}
                {%- set changed = run_query(
                    citygvc.rows_differing(scratch ~ prefix ~ k, scratch ~ prefix ~ (k - 1))
                ).columns[0].values()[0] -%}
                {%- set chain.unchanged = 0 if changed else chain.unchanged + 1 -%}
                {%- do run_query('drop table ' ~ scratch ~ prefix ~ (k - 1)) -%}
            {%- endif -%}
            {%- set chain.last = k -%}
        {%- endfor -%}
    {%- endif -%}
{{ shared }},

{{ prefix }}{{ links | length - 1 }} as (select * from {{ scratch ~ prefix ~ chain.last }})
{%- endmacro %}


{#- rows_differing(a, b): a query counting the rows of `a` and `b` (tables of the same
    columns) that the other lacks, duplicates counted. -#}
{% macro rows_differing(a, b) -%}
select count(*) from (
    (select * from {{ a }} except all select * from {{ b }})
    union all
    (select * from {{ b }} except all select * from {{ a }})
)
{%- endmacro %}
