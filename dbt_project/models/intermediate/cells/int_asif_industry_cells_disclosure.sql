{#- Unrolled passes, one group type each in a fixed cycle (a type's groups are disjoint: a
    pass never hides two cells for one problem); the final check flags unsafe groups. -#}
{{ config(materialized='incremental', **by_year_incremental()) }}
{%- set group_types = ['ownership', 'segment', 'group', 'division', 'geography'] -%}
{%- set passes = var('sdc_secondary_cycles') * (group_types | length) -%}
{%- set min_firms = var('sdc_min_firms') | int -%}
{%- set dominance = var('sdc_dominance') | int -%}
-- sqlfluff:indentation:template_blocks_indent:False
-- Disclosure status of every ASIF cell and magnitude (docs/methodology.md), one row per cell ×
-- magnitude: each magnitude has its own pattern (the relations are additive in each one
-- alone). Primary 'C': int_asif_industry_cells_primary. Secondary 'D' (greedy): a group of
-- int_disclosure_groups (parent = Σ children) is unsafe when its parent is published and its
-- hidden children sum to something sensitive or one suppressed cell, or its parent is hidden
-- and every child published; it gets one more hidden member (sdc_ranked_members). A
-- remainder (rest of Suzhou), the difference of two published cells, is hidden when
-- primary-suppressed or a published cell of its geography group is; choosing it hides
-- Suzhou. Then whole division blocks of group cells (sdc_blocked_group_cells). Incremental
-- by year: groups never cross years (int_asif_year_digests, thresholds included).
{#- the CTEs every pass reads -#}
{%- set prelude_ctes = [
    'year_inputs', 'years_to_build', 'cells', 'member_cells', 'remainder_links', 'remainder_parents'
] -%}
{%- set prelude %}
year_inputs as (
    select
        year,
        disclosure_digest as input_key
    from {{ ref('int_asif_year_digests') }}
),

years_to_build as (
    {{ years_to_build('year_inputs') | indent(4) }}
),

-- row_key: one cell × magnitude, numbered (the passes join on integers)
cells as {{ materialized_cte() }} (
    select
        year,
        cell_id,
        magnitude,
        unit_kind,
        value,
        contributors,
        top_contributions,
        primary_status,
        dense_rank() over (order by cell_id, magnitude) as row_key
    from {{ ref('int_asif_industry_cells_primary') }}
    where year in (select years_to_build.year from years_to_build)
),

-- group_key: one group × magnitude
member_cells as {{ materialized_cte() }} (
    select
        dense_rank() over (order by memberships.group_id, cells.magnitude) as group_key,
        memberships.group_type,
        cells.row_key,
        memberships.member_role,
        cells.unit_kind,
        cells.value,
        cells.contributors,
        cells.top_contributions
    from {{ ref('int_disclosure_groups') }} as memberships
    inner join cells on memberships.cell_id = cells.cell_id
    where memberships.year in (select years_to_build.year from years_to_build)
),

-- each remainder cell with the published cells of its geography group
remainder_links as {{ materialized_cte() }} (
    select
        remainders.row_key as remainder_key,
        units.row_key as unit_key,
        units.member_role = 'parent' as is_parent
    from member_cells as remainders
    inner join member_cells as units
        on
            remainders.group_key = units.group_key
            and units.unit_kind = 'unit'
    where remainders.group_type = 'geography' and remainders.unit_kind = 'remainder'
),

remainder_parents as (
    select
        remainder_key,
        unit_key as parent_key
    from remainder_links
    where is_parent
)
{%- endset %}

{#- pass k: the CTEs ending in pass_k, which reads pass_(k-1); pass 0 is the primary status -#}
{%- set passes_sql = [] %}
{%- set first_pass %}
step_0 as (
    select
        row_key,
        primary_status = 'C' as is_hidden
    from cells
),

{{ sdc_with_remainders('step_0', 'pass_0') }}
{%- endset %}
{%- do passes_sql.append(first_pass) %}
{%- for i in range(1, passes + 1) %}
{%- set group_type = group_types[(i - 1) % (group_types | length)] %}
{%- set pass_sql %}
-- pass {{ i }}: {{ group_type }} groups
group_state_{{ i }} as {{ materialized_cte() }} (
    {{ sdc_group_state('pass_' ~ (i - 1), group_type) | indent(4) }}
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
        pass_{{ i - 1 }}.is_hidden or picks_{{ i }}.row_key is not null as is_hidden
    from pass_{{ i - 1 }}
    left join picks_{{ i }} on pass_{{ i - 1 }}.row_key = picks_{{ i }}.row_key
),

{{ sdc_with_remainders('step_' ~ i, 'pass_' ~ i) }}
{%- endset %}
{%- do passes_sql.append(pass_sql) %}
{%- endfor %}

-- the passes in a chain (cte_chain: written as tables until a cycle hides no more cells)
{%- set hidden_cells = 'sum(case when is_hidden then 1 else 0 end)' %}
with

{{ cte_chain(prelude, prelude_ctes, passes_sql, 'pass_', group_types | length, hidden_cells) }},

final_group_state as (
    {{ sdc_group_state('pass_' ~ passes) | indent(4) }}
),

final_unsafe_groups as (
    {{ sdc_unsafe_groups('final_group_state', min_firms, dominance) | indent(4) }}
),

unresolved_rows as (
    select distinct member_cells.row_key
    from member_cells
    inner join final_unsafe_groups on member_cells.group_key = final_unsafe_groups.group_key
),

-- C primary, D hidden by a pass, F published
final_statuses as (
    select
        cells.cell_id,
        cells.magnitude,
        cells.year,
        cells.primary_status,
        case
            when cells.primary_status = 'C' then 'C'
            when pass_{{ passes }}.is_hidden then 'D'
            else 'F'
        end as conf_status,
        unresolved_rows.row_key is not null as is_in_unresolved_group
    from cells
    inner join pass_{{ passes }} on cells.row_key = pass_{{ passes }}.row_key
    left join unresolved_rows on cells.row_key = unresolved_rows.row_key
),

{{ sdc_blocked_group_cells('final_statuses') }}

select
    final_statuses.cell_id,
    final_statuses.magnitude,
    final_statuses.year,
    final_statuses.primary_status,
    coalesce(blocked_cells.conf_status, final_statuses.conf_status) as conf_status,
    final_statuses.is_in_unresolved_group,
    years_to_build.built_from
from final_statuses
inner join years_to_build on final_statuses.year = years_to_build.year
left join blocked_cells
    on
        final_statuses.cell_id = blocked_cells.cell_id
        and final_statuses.magnitude = blocked_cells.magnitude
