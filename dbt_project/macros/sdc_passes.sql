{#- The passes of the greedy secondary suppression (int_asif_industry_cells_disclosure;
    building blocks in sdc.sql). A pass's state is one row per row_key (cell × magnitude):
    is_hidden, and hidden_in, the pass that hid it (0: primary), NULL while published.

    sdc_numbered(name, model, entity, condition): the CTE `name`: each `entity`_id of the
    model's rows in the years being built (and meeting the SQL `condition`), numbered 1, 2, …
    in id order as `entity`_number (reads the CTE years_to_build).

    sdc_magnitude_index(column): the position of the magnitude `column` in sdc_magnitudes(),
    from 0.

    sdc_first_pass(): CTEs ending in pass_0, the primary status (with the remainders it
    reveals). Reads the CTE cells.

    sdc_pass(i, group_types, min_firms, dominance): CTEs ending in pass_i, which reads
    pass_(i-1): the groups of type group_types[(i-1) % n] that are unsafe get one more hidden
    member each. Only the groups a cell was hidden in since the type's previous pass are
    examined: the others are as they were then, safe or with nothing left to hide (at
    national scale a late pass examines about a hundred of the 5 million groups). Both render
    at zero indentation, without a comma after the last CTE. -#}
{%- macro sdc_numbered(name, model, entity, condition='true') -%}
{{ name }} as (
    select
        {{ entity }}_id,
        dense_rank() over (order by {{ entity }}_id) as {{ entity }}_number
    from (
        select distinct {{ entity }}_id
        from {{ ref(model) }}
        where year in (select years_to_build.year from years_to_build) and {{ condition }}
    ) as built_ids
)
{%- endmacro %}


{%- macro sdc_magnitude_index(column) -%}
case {{ column }}
{%- for magnitude in sdc_magnitudes() %} when '{{ magnitude }}' then {{ loop.index0 }}
{%- endfor %} end
{%- endmacro %}


{%- macro sdc_first_pass() -%}
step_0 as (
    select
        row_key,
        primary_status = 'C' as is_hidden,
        case when primary_status = 'C' then 0 end as hidden_in
    from cells
),

{{ sdc_with_remainders('step_0', 'pass_0', 0) }}
{%- endmacro %}


{%- macro sdc_pass(i, group_types, min_firms, dominance) -%}
{%- set group_type = group_types[(i - 1) % (group_types | length)] %}
{%- set last_pass_of_type = i - (group_types | length) %}
-- pass {{ i }}: {{ group_type }} groups
{%- if last_pass_of_type > 0 %}
changed_groups_{{ i }} as {{ materialized_cte() }} (
    select distinct member_cells.group_key
    from member_cells
    inner join pass_{{ i - 1 }} on member_cells.row_key = pass_{{ i - 1 }}.row_key
    where
        member_cells.group_type = '{{ group_type }}'
        and pass_{{ i - 1 }}.hidden_in >= {{ last_pass_of_type }}
),
{%- endif %}

group_state_{{ i }} as {{ materialized_cte() }} (
    {{ sdc_group_state(
        'pass_' ~ (i - 1), group_type,
        'changed_groups_' ~ i if last_pass_of_type > 0 else none
    ) | indent(4) }}
),

unsafe_groups_{{ i }} as {{ materialized_cte() }} (
    {{ sdc_unsafe_groups('group_state_' ~ i, min_firms, dominance) | indent(4) }}
),

-- the published members of unsafe groups, ranked: each group's first is picked
ranked_members_{{ i }} as (
    {{ sdc_ranked_members('unsafe_groups_' ~ i, 'pass_' ~ (i - 1)) | indent(4) }}
),

picks_{{ i }} as {{ materialized_cte() }} (
    select distinct row_key
    from ranked_members_{{ i }}
    where pick_rank = 1
),

step_{{ i }} as (
    select
        pass_{{ i - 1 }}.row_key,
        pass_{{ i - 1 }}.is_hidden or picks_{{ i }}.row_key is not null as is_hidden,
        coalesce(
            pass_{{ i - 1 }}.hidden_in,
            case when picks_{{ i }}.row_key is not null then {{ i }} end
        ) as hidden_in
    from pass_{{ i - 1 }}
    left join picks_{{ i }} on pass_{{ i - 1 }}.row_key = picks_{{ i }}.row_key
),

{{ sdc_with_remainders('step_' ~ i, 'pass_' ~ i, i) }}
{%- endmacro %}
