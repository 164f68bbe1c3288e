{#- register_raw_sources(): make the raw rows (one Parquet folder per loaded release under the
    data folder's raw/, docs/architecture.md#raw-rows) readable as the sources raw.asif and
    raw.fdi_city. Run before every dbt command (on-run-start). On DuckDB the writer keeps them
    as views in the warehouse, so there is nothing to do; on Spark they are external Parquet
    tables over the dataset folders, with the columns the sources declare (dropping one never
    touches the files), re-listed each time so a release loaded since is read. -#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources', 'citygvc')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
{%- endmacro %}

{% macro spark__register_raw_sources() -%}
    {%- if execute -%}
        {%- set raw_dir = env_var('CITYGVC_DATA_DIR') ~ '/raw' -%}
        {%- do run_query('create database if not exists raw') -%}
        {%- for source in graph.sources.values() if source.source_name == 'raw' -%}
            {#- the columns as the sources declare them: Spark cannot infer a schema from a
                dataset folder that has no release yet -#}
            {%- set columns = [] -%}
            {%- for column in source.columns.values() -%}
                {%- do columns.append(column.name ~ ' ' ~ spark_seed_type(column.data_type)) -%}
            {%- endfor -%}
            {%- do run_query(
                'create table if not exists raw.' ~ source.name ~ ' (' ~ columns | join(', ')
                ~ ') using parquet options (path '
                ~ "'" ~ raw_dir ~ '/' ~ source.name ~ "', recursiveFileLookup 'true')"
            ) -%}
            {%- do run_query('refresh table raw.' ~ source.name) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
