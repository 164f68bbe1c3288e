{#- Seeds on Spark. dbt-spark's session loader binds values into its INSERT by text
    substitution: a value with an apostrophe breaks the statement and an empty cell arrives as
    the string 'None'. These write each value as an escaped Spark SQL literal instead, and give
    Spark its name for the seeds' text type (Spark's VARCHAR needs a length). A seed table
    keeps the key of the file and column types it was loaded from (a table property, set once
    every row is in), and a build whose seed has the same key leaves the table as it is: each
    reload costs Spark a drop, a create and its inserts, ~15 s of a refresh's staging step. -#}


{#- spark_seed_key(model): what a seed table is loaded from: its file and its column types -#}
{% macro spark_seed_key(model) -%}
    {%- set column_types = model['config'].get('column_types', {}) | tojson -%}
    {{ return(local_md5(model['checksum']['checksum'] ~ column_types)) }}
{%- endmacro %}


{#- spark_seed_is_loaded(relation, model): the table holds every row of the seed as it is now -#}
{% macro spark_seed_is_loaded(relation, model) -%}
    {%- set found = run_query("show tblproperties " ~ relation ~ " ('citygvc_seed_key')") -%}
    {{ return(found.rows | length == 1 and found.rows[0][1] == citygvc.spark_seed_key(model)) }}
{%- endmacro %}


{% macro spark__reset_csv_table(model, full_refresh, old_relation, agate_table) %}
    {%- if full_refresh or not citygvc.spark_seed_is_loaded(old_relation, model) -%}
        {%- do adapter.drop_relation(old_relation) -%}
        {{ return(create_csv_table(model, agate_table)) }}
    {%- endif -%}
    {{ return('-- ' ~ old_relation ~ ' holds this seed already') }}
{% endmacro %}

{% macro spark_seed_type(type) -%}
    {{ 'string' if type | lower == 'varchar' else type }}
{%- endmacro %}


{% macro spark_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        '{{ (value | string).replace("\\", "\\\\").replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}


{% macro spark__create_csv_table(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {% set sql %}
        create table {{ this.render() }} (
            {%- for col_name in agate_table.column_names %}
                {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) %}
                {{ adapter.quote_seed_column(col_name | string, quote_seed_column) }}
                    {{ spark_seed_type(column_override.get(col_name, inferred_type)) }}
                {%- if not loop.last %},{% endif %}
            {%- endfor %}
        )
        {{ file_format_clause() }}
    {% endset %}
    {% call statement('_') -%}
        {{ sql }}
    {%- endcall %}
    {{ return(sql) }}
{% endmacro %}


{% macro spark__load_csv_rows(model, agate_table) %}
    {%- if citygvc.spark_seed_is_loaded(this, model) -%}
        {{ return('-- ' ~ this ~ ' holds this seed already') }}
    {%- endif -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) %}
        {% set sql %}
            insert into {{ this.render() }} values
            {%- for row in chunk %}
                (
                {%- for col_name in agate_table.column_names %}
                    {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                    cast({{ spark_literal(row[loop.index0]) }}
                        as {{ spark_seed_type(column_override.get(col_name, inferred_type)) }})
                    {%- if not loop.last %}, {% endif %}
                {%- endfor -%}
                ){%- if not loop.last %},{% endif %}
            {%- endfor %}
        {% endset %}
        {% do adapter.add_query(sql, abridge_sql_log=True) %}
        {% do statements.append(sql) if loop.first %}
    {%- endfor %}
    {%- do adapter.add_query(
        'alter table ' ~ this.render() ~ " set tblproperties ('citygvc_seed_key' = '"
        ~ citygvc.spark_seed_key(model) ~ "')"
    ) %}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
