{#- register_sources(): make the tables written outside dbt readable as its sources. Run before
    every dbt command (on-run-start). On DuckDB they are the writer's own: the ops tables and the
    raw views in the warehouse, so there is nothing to do. On Spark they are external Parquet
    tables, re-listed each time so a release loaded since is read:
    - raw.asif, raw.fdi_city over the raw rows (one folder per loaded release under the data
      folder's raw/, docs/architecture.md#raw-rows), with the columns the sources declare
      (Spark cannot infer a schema from a dataset folder that has no release yet);
    - ops.* over the export the refresh writes before dbt runs on Spark (spark/ops/<table>/,
      orchestration/warehouse/spark_ops.py), with the columns written there;
    - complexity.* and disclosure.* over what the complexity and disclosure steps write
      between the models and the indicators (spark/<step>/<table>/,
      orchestration/complexity/step.py, orchestration/disclosure/step.py), with the columns
      the sources declare (the folder does not exist before the step first runs). -#}
{% macro register_sources() -%}
    {{ return(adapter.dispatch('register_sources', 'citygvc')()) }}
{%- endmacro %}

{% macro default__register_sources() -%}
{%- endmacro %}

{% macro spark__register_sources() -%}
    {%- if execute -%}
        {%- set data_dir = env_var('CITYGVC_DATA_DIR') -%}
        {%- for schema in ['raw', 'ops', 'complexity', 'disclosure'] -%}
            {%- do run_query('create database if not exists ' ~ schema) -%}
        {%- endfor -%}
        {%- for source in graph.sources.values() if source.source_name == 'raw' -%}
            {%- set columns = [] -%}
            {%- for column in source.columns.values() -%}
                {%- do columns.append(column.name ~ ' ' ~ spark_seed_type(column.data_type)) -%}
            {%- endfor -%}
            {%- do run_query(
                'create table if not exists raw.' ~ source.name ~ ' (' ~ columns | join(', ')
                ~ ') using parquet options (path '
                ~ "'" ~ data_dir ~ '/raw/' ~ source.name ~ "', recursiveFileLookup 'true')"
            ) -%}
            {%- do run_query('refresh table raw.' ~ source.name) -%}
        {%- endfor -%}
        {%- for source in graph.sources.values() if source.source_name == 'ops' -%}
            {#- dropped and declared again: an upgrade may add a column to an ops table
                (dropping an external table never touches its files) -#}
            {%- do run_query('drop table if exists ops.' ~ source.name) -%}
            {%- do run_query(
                'create table ops.' ~ source.name ~ ' using parquet options (path '
                ~ "'" ~ data_dir ~ '/spark/ops/' ~ source.name ~ "')"
            ) -%}
        {%- endfor -%}
        {%- for source in graph.sources.values()
            if source.source_name in ('complexity', 'disclosure') -%}
            {%- set columns = [] -%}
            {%- for column in source.columns.values() -%}
                {%- do columns.append(column.name ~ ' ' ~ spark_seed_type(column.data_type)) -%}
            {%- endfor -%}
            {#- dropped and declared again: the step replaces its folder whole -#}
            {%- set table = source.source_name ~ '.' ~ source.name -%}
            {%- do run_query('drop table if exists ' ~ table) -%}
            {%- do run_query(
                'create table ' ~ table ~ ' (' ~ columns | join(', ')
                ~ ') using parquet options (path '
                ~ "'" ~ data_dir ~ '/spark/' ~ source.source_name ~ '/' ~ source.name ~ "')"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
