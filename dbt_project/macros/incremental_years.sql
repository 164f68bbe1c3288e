{#- Incremental models rebuild whole years (delete+insert on `year`; the disclosure patterns
    whole years × magnitudes). Each row records in `built_from` what its year was built
    from: the year's input key (the effective release for firm-level models, a digest of the
    year's firm-level rows for aggregates) and the project fingerprint (every seed and model
    file), so a change of data, seeds or SQL rebuilds what it touches without a manual
    --full-refresh.

    years_to_build(inputs): the years of `inputs` (a relation or CTE with columns year and
    input_key) to (re)build now, with the built_from to record — every year on a full build;
    on an incremental run only those whose built_from differs from the stored one.

    keys_to_build(inputs, keys): the same for models rebuilt by other units than the year
    (`keys`, columns of both `inputs` and the model, e.g. year and magnitude).

    among_keys_to_build(alias, keys): a filter keeping the rows of `alias` whose `keys` are
    among those of the CTE years_to_build (built by keys_to_build).

    magnitude_disclosure_inputs(): the inputs of the disclosure patterns, rebuilt by year and
    magnitude: year, magnitude and the magnitude's disclosure digest as input_key
    (int_asif_year_digests). -#}
{% macro years_to_build(inputs) -%}
{{ keys_to_build(inputs, ['year']) }}
{%- endmacro %}

{% macro keys_to_build(inputs, keys) -%}
select
    {%- for key in keys %}
    keyed.{{ key }},
    {%- endfor %}
    keyed.built_from
from (
    select
        {%- for key in keys %}
        inputs.{{ key }},
        {%- endfor %}
        inputs.input_key || ':' || '{{ project_fingerprint() }}' as built_from
    from {{ inputs }} as inputs
) as keyed
{%- if is_incremental() %}
where not exists (
    select 1
    from {{ this }} as built
    where
        {%- for key in keys %}
        built.{{ key }} = keyed.{{ key }} and
        {%- endfor %}
        built.built_from = keyed.built_from
)
{%- endif %}
{%- endmacro %}

{% macro among_keys_to_build(alias, keys) -%}
exists (
    select 1
    from years_to_build
    where
        {%- for key in keys %}
        years_to_build.{{ key }} = {{ alias }}.{{ key }}{{ ' and' if not loop.last }}
        {%- endfor %}
)
{%- endmacro %}

{#- project_fingerprint(): md5 of the checksums of every seed and model of the project (of
    nothing in a dbt unit test, whose graph has no nodes). -#}
{% macro project_fingerprint() -%}
    {%- set parts = [] -%}
    {%- if execute -%}
        {%- for node in graph.get('nodes', {}).values() | sort(attribute='unique_id') -%}
            {%- if node.resource_type in ('seed', 'model') -%}
                {%- do parts.append(node.unique_id ~ '=' ~ node.checksum.checksum) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{- local_md5(parts | join(',')) -}}
{%- endmacro %}

{% macro magnitude_disclosure_inputs() -%}
{%- for magnitude in sdc_magnitudes() %}
select
    year,
    '{{ magnitude }}' as magnitude,
    {{ magnitude }}_disclosure_digest as input_key
from {{ ref('int_asif_year_digests') }}
{{ 'union all' if not loop.last }}
{%- endfor %}
{%- endmacro %}
