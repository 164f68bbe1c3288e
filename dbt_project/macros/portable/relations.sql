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


{#- inlined_cte(): the keyword after `name as` that makes a CTE read where it is used, with
    filters pushed into its scan: DuckDB's `not materialized` (it materializes a CTE read
    more than once, and a prelude table read back whole cost each pass of cte_chain a copy of
    it); none on Spark, which inlines CTEs anyway. -#}
{% macro inlined_cte() -%}
    {{ return(adapter.dispatch('inlined_cte', 'citygvc')()) }}
{%- endmacro %}

{% macro duckdb__inlined_cte() -%}
    not materialized
{%- endmacro %}

{% macro spark__inlined_cte() -%}
{%- endmacro %}


{#- cte_chain(prelude, prelude_ctes, links, prefix, settles_after, progress): the CTEs of a
    chain of passes, for a `with` list: `prelude` (a list of CTEs, `name as (...)`, every pass
    may read, named in `prelude_ctes` in the same order; each may read the ones before it),
    then `links`, where links[k] is CTEs ending in `<prefix><k>`, which reads `<prefix><k-1>`
    and the prelude only. The links cycle through `settles_after` kinds, so once that many
    links in a row leave the state unchanged it is a fixed point of every kind, and the rest of
    the chain would only copy it. `progress` is an aggregate over a link's rows that differs
    from the previous link's whenever the link changed anything (for passes that only ever
    hide more cells: how many are hidden): one scan, where comparing the rows took longer than
    the pass itself at national scale. Each prelude CTE, reading the tables of the ones before
    it (DuckDB would compute every materialized CTE of a statement, used or not), and then
    each link is written once, by its own statement, to a table in the model's scratch schema
    (`<schema>_scratch.<model>__<name>`), which what follows reads, and compared with the link
    before; the chain stops once settled, and `<prefix><last>` reads the settled state. Both
    engines gain: DuckDB no longer computes the passes after the fixed point (at national
    scale most of them), and Spark, which inlines CTEs and keeps the plan of what a view
    reads, would otherwise plan a chain whose links each read the previous one several times
    in time exponential in its length. A link's table is dropped once the next one is
    written; drop_cte_chain (a post-hook) drops the rest. A dbt unit test gets the chain
    inline (its inputs exist only inside its one statement), and so does anything but `dbt
    run` and `dbt build` (compiling must not write tables). -#}
{% macro cte_chain(prelude, prelude_ctes, links, prefix, settles_after, progress) -%}
    {%- set scratch = this.schema ~ '_scratch.' ~ this.identifier ~ '__' -%}
    {%- set as_table = ' ' ~ citygvc.scratch_table_format() ~ ' as with ' -%}
    {%- set read_back = [] -%}
    {%- for name in prelude_ctes -%}
        {%- do read_back.append(
            name ~ ' as ' ~ citygvc.inlined_cte() ~ ' (select * from ' ~ scratch ~ name ~ ')'
        ) -%}
    {%- endfor -%}
    {%- set shared = read_back | join(',\n') -%}
    {%- set chain = namespace(last=0, unchanged=0, progress=none) -%}
    {%- if model.resource_type == 'unit_test' or flags.WHICH not in ('run', 'build') -%}
        {#- inline: a unit test's inputs are CTEs of its one statement, and compiling (dbt
            compile, sqlfluff) writes no tables -#}
{{ prelude | join(',\n\n') }},

{{ links | join(',\n\n') }}
    {%- else -%}
    {%- if execute -%}
        {%- do run_query('create schema if not exists ' ~ this.schema ~ '_scratch') -%}
        {%- for name in prelude_ctes -%}
            {%- set earlier = read_back[:loop.index0] + [prelude[loop.index0]] -%}
            {%- do run_query('drop table if exists ' ~ scratch ~ name) -%}
            {%- do run_query(
                'create table ' ~ scratch ~ name ~ as_table ~ (earlier | join(',\n'))
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
{{ prefix }}{{ k - 1 }} as {{ citygvc.inlined_cte() }} (select * from {{ scratch ~ prefix ~ (k - 1) }})
                {%- endif -%}
            {%- endset -%}
            {%- do run_query(
                'create table ' ~ scratch ~ prefix ~ k ~ as_table
                ~ shared ~ previous ~ ',\n' ~ link ~ '\nselect * from ' ~ prefix ~ k
            ) -%}
            {%- set progress_k = run_query(
                'select ' ~ progress ~ ' from ' ~ scratch ~ prefix ~ k
            ).columns[0].values()[0] -%}
            {%- if k > 0 -%}
                {%- set chain.unchanged = chain.unchanged + 1
                    if progress_k == chain.progress else 0 -%}
                {%- do run_query('drop table ' ~ scratch ~ prefix ~ (k - 1)) -%}
            {%- endif -%}
            {%- set chain.progress = progress_k -%}
            {%- set chain.last = k -%}
        {%- endfor -%}
        {%- do log(this.identifier ~ ': ' ~ prefix ~ ' chain settled after ' ~ (chain.last + 1)
            ~ ' of ' ~ (links | length) ~ ' links') -%}
    {%- endif -%}
{{ shared }},

{{ prefix }}{{ links | length - 1 }} as {{ citygvc.inlined_cte() }} (select * from {{ scratch ~ prefix ~ chain.last }})
    {%- endif -%}
{%- endmacro %}


{#- drop_cte_chain(): a post-hook dropping what cte_chain left in the model's scratch schema
    once the model is built (the prelude's tables and the last link). Renders no SQL. -#}
{% macro drop_cte_chain() -%}
    {%- if execute -%}
        {%- set schema = this.schema ~ '_scratch' -%}
        {%- for name in citygvc.scratch_tables(schema, this.identifier ~ '__') -%}
            {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ name) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{#- scratch_tables(schema, prefix): the names of the tables of `schema` starting `prefix`. -#}
{% macro scratch_tables(schema, prefix) -%}
    {{ return(adapter.dispatch('scratch_tables', 'citygvc')(schema, prefix)) }}
{%- endmacro %}

{% macro duckdb__scratch_tables(schema, prefix) -%}
    {%- set found = run_query(
        "select table_name from information_schema.tables where table_schema = '" ~ schema
        ~ "' and starts_with(table_name, '" ~ prefix ~ "') order by table_name"
    ) -%}
    {{ return(found.columns[0].values() | list) }}
{%- endmacro %}

{% macro spark__scratch_tables(schema, prefix) -%}
    {%- set found = run_query('show tables in ' ~ schema ~ " like '" ~ prefix ~ "*'") -%}
    {{ return(found.columns['tableName'].values() | list) }}
{%- endmacro %}


{#- scratch_table_format(): what `create table <name>` needs before `as` for a scratch table:
    nothing on DuckDB, Parquet on Spark. -#}
{% macro scratch_table_format() -%}
    {{ return(adapter.dispatch('scratch_table_format', 'citygvc')()) }}
{%- endmacro %}

{% macro duckdb__scratch_table_format() -%}
{%- endmacro %}

{% macro spark__scratch_table_format() -%}
    using parquet
{%- endmacro %}

