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


{#- by_year_magnitude_incremental(): the same a year × magnitude at a time, for the disclosure
    patterns, which each magnitude has of its own: a revision that moves only value added
    (the panel's carried ratios in later years) rebuilds only that magnitude there. -#}
{% macro by_year_magnitude_incremental() -%}
    {{ return(adapter.dispatch('by_year_magnitude_incremental', 'citygvc')()) }}
{%- endmacro %}

{% macro duckdb__by_year_magnitude_incremental() -%}
    {{ return({'incremental_strategy': 'delete_by_keys', 'unique_key': ['year', 'magnitude']}) }}
{%- endmacro %}

{% macro spark__by_year_magnitude_incremental() -%}
    {{ return({
        'incremental_strategy': 'insert_overwrite',
        'partition_by': ['year', 'magnitude'],
        'file_format': 'parquet',
    }) }}
{%- endmacro %}

{#- The incremental strategy 'delete_by_keys' (DuckDB): delete+insert for a key that names
    whole slices of a table (year × magnitude), not rows. dbt-duckdb's delete+insert with a
    list of keys joins every stored row to every new row with its key — millions × millions
    at national scale; here the stored rows go by the distinct keys of the new ones. -#}
{% macro get_incremental_delete_by_keys_sql(arg_dict) -%}
{%- set target, source = arg_dict['target_relation'], arg_dict['temp_relation'] -%}
{%- set keys = arg_dict['unique_key'] -%}
{%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
delete from {{ target }} as stored
where exists (
    select 1
    from (select distinct {{ keys | join(', ') }} from {{ source }}) as rebuilt
    where
        {%- for key in keys %}
        rebuilt.{{ key }} = stored.{{ key }}{{ ' and' if not loop.last }}
        {%- endfor %}
);

insert into {{ target }} ({{ columns }})
select {{ columns }}
from {{ source }}
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


{#- cte_chain(prelude, prelude_ctes, links, prefix, settles_after): the CTEs of a chain of
    passes that each add rows, for a `with` list: `prelude` (a list of CTEs, `name as (...)`,
    every pass may read, named in `prelude_ctes` in the same order; each may read the ones
    before it), then `links`, where links[k] is CTEs ending in `<prefix><k>`, the rows
    (row_key, hidden_in) link k adds, which reads the prelude and `<prefix>before_<k>`: every
    row the links before it added. After the chain, `<prefix>before_<n>` holds every row of
    the n links. The links cycle through `settles_after` kinds, so once that many links in a
    row add nothing, every kind has nothing left to add and the rest of the chain would add
    nothing either. Each
    prelude CTE, reading the tables of the ones before it (DuckDB would compute every
    materialized CTE of a statement, used or not), and then each link is written once, by its
    own statement, to a table in the model's scratch schema
    (`<schema>_scratch.<model>__<name>`), which what follows reads; the chain stops once
    settled. A link holds only what it adds: a late pass adds a handful of rows, where
    rewriting a whole state took most of its time. Both engines gain: DuckDB no longer
    computes the passes after the fixed point (at national scale most of them), and Spark,
    which inlines CTEs and keeps the plan of what a view reads, would otherwise plan a chain
    whose links each read the earlier ones in time exponential in its length. drop_cte_chain
    (a post-hook) drops the tables once the model is built. A dbt unit test gets the chain
    inline (its inputs exist only inside its one statement), each `<prefix>before_<k>` the one
    before and one more link, and so does anything but `dbt run` and `dbt build` (compiling
    must not write tables). -#}
{% macro cte_chain(prelude, prelude_ctes, links, prefix, settles_after) -%}
    {%- set scratch = this.schema ~ '_scratch.' ~ this.identifier ~ '__' -%}
    {%- set as_table = ' ' ~ citygvc.scratch_table_format() ~ ' as with ' -%}
    {%- set read_back = [] -%}
    {%- for name in prelude_ctes -%}
        {%- do read_back.append(
            name ~ ' as ' ~ citygvc.inlined_cte() ~ ' (select * from ' ~ scratch ~ name ~ ')'
        ) -%}
    {%- endfor -%}
    {%- set shared = read_back | join(',\n') -%}
    {%- set chain = namespace(last=-1, unchanged=0) -%}
    {%- if model.resource_type == 'unit_test' or flags.WHICH not in ('run', 'build') -%}
        {#- inline: a unit test's inputs are CTEs of its one statement, and compiling (dbt
            compile, sqlfluff) writes no tables -#}
{{ prelude | join(',\n\n') }}
        {%- for link in links %},{%- set k = loop.index0 %}

{{ citygvc.chain_so_far(prefix, k, [prefix ~ (k - 1)], prefix ~ 'before_' ~ (k - 1)) }},

{{ link }}
        {%- endfor %},{%- set n = links | length %}

{{ citygvc.chain_so_far(prefix, n, [prefix ~ (n - 1)], prefix ~ 'before_' ~ (n - 1)) }}
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
        {#- a longer chain of an earlier build may have left links -#}
        {%- for k in range(links | length) -%}
            {%- do run_query('drop table if exists ' ~ scratch ~ prefix ~ k) -%}
        {%- endfor -%}
        {%- for link in links if chain.unchanged < settles_after -%}
            {%- set k = loop.index0 -%}
            {%- set tables = [] -%}
            {%- for j in range(k) -%}
                {%- do tables.append(scratch ~ prefix ~ j) -%}
            {%- endfor -%}
            {%- do run_query(
                'create table ' ~ scratch ~ prefix ~ k ~ as_table
                ~ ((read_back + [citygvc.chain_so_far(prefix, k, tables), link]) | join(',\n'))
                ~ '\nselect * from ' ~ prefix ~ k
            ) -%}
            {%- set added = run_query(
                'select count(*) from ' ~ scratch ~ prefix ~ k
            ).columns[0].values()[0] -%}
            {%- set chain.unchanged = chain.unchanged + 1 if added == 0 and k > 0 else 0 -%}
            {%- set chain.last = k -%}
        {%- endfor -%}
        {%- do log(this.identifier ~ ': ' ~ prefix ~ ' chain settled after ' ~ (chain.last + 1)
            ~ ' of ' ~ (links | length) ~ ' links') -%}
    {%- endif -%}
    {%- set tables = [] -%}
    {%- for j in range(chain.last + 1) -%}
        {%- do tables.append(scratch ~ prefix ~ j) -%}
    {%- endfor -%}
{{ shared }},

{{ citygvc.chain_so_far(prefix, links | length, tables) }}
    {%- endif -%}
{%- endmacro %}


{#- chain_so_far(prefix, k, relations, earlier): the CTE `<prefix>before_<k>`, every row of
    `relations` (the links before link k, as tables or CTEs), after the rows of the CTE
    `earlier` when given; with no relation, no row (columns as a link's: row_key, hidden_in).
    Renders at zero indentation. -#}
{% macro chain_so_far(prefix, k, relations, earlier=none) -%}
{{ prefix }}before_{{ k }} as {{ citygvc.inlined_cte() }} (
    {%- set sources = ([earlier] if earlier is not none and k > 0 else [])
        + (relations if k > 0 else []) %}
    {%- for relation in sources %}
    select * from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    select
        cast(null as bigint) as row_key,
        cast(null as integer) as hidden_in
    where false
    {%- endfor %}
)
{%- endmacro %}


{#- drop_cte_chain(): a post-hook dropping what cte_chain left in the model's scratch schema
    once the model is built (the prelude's tables and the links). Renders no SQL. -#}
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

