{#- adopt_parquet_tables(tables): Spark tables <schema>.<name> over Parquet folders, replacing
    any of that name: tools/spark_mirror gives Spark a DuckDB refresh's tables this way, so one
    model at a time can be built and compared on Spark (docs/scale-out.md#porting-a-model). -#}
{% macro adopt_parquet_tables(tables) -%}
    {%- for table in tables -%}
        {%- do run_query('create database if not exists ' ~ table.schema) -%}
        {%- do run_query('drop table if exists ' ~ table.schema ~ '.' ~ table.name) -%}
        {%- do run_query(
            'create table ' ~ table.schema ~ '.' ~ table.name
            ~ " using parquet options (path '" ~ table.path ~ "')"
        ) -%}
    {%- endfor -%}
{%- endmacro %}
