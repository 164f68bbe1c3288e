{# Use the configured schema name as is (staging, intermediate, marts, seeds), not
   '<target>_<schema>', so BI tools and tests see stable schema names. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
