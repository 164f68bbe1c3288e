{#- The value as the marts publish it: with disclosure 'on' (docs/settings.md), NULL for cells and
    indicators under primary (C) or secondary (D) suppression; with 'off', unchanged. -#}
{% macro disclosed(column, conf_status='conf_status') -%}
    {%- if var('disclosure') == 'on' -%}
        case when {{ conf_status }} in ('C', 'D') then null else {{ column }} end
    {%- else -%}
        {{ column }}
    {%- endif -%}
{%- endmacro %}
