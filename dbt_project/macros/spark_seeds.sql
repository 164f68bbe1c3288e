{#- Seeds on Spark. dbt-spark's session loader binds values into its INSERT by text
    substitution: a value with an apostrophe breaks the statement and an empty cell arrives as
    the string 'None'. These write each value as an escaped Spark SQL literal instead, and give
    Spark its name for the seeds' text type (Spark's VARCHAR needs a length). -#}

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
    {{ return(statements[0] if statements else '') }}
{% endmacro %}
