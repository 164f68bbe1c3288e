{#- obs_status_columns(flag_codes): the two flag columns of the indicator marts from a
    comma-joined list of the SDMX codes that apply, in precedence order (concat_ws of the
    codes, '' when none): obs_status = its first code, obs_flags = the list; 'A' (normal)
    when no code applies. -#}
{% macro obs_status_columns(flag_codes) -%}
    coalesce(nullif(left({{ flag_codes }}, 1), ''), 'A') as obs_status,
    coalesce(nullif({{ flag_codes }}, ''), 'A') as obs_flags
{%- endmacro %}
