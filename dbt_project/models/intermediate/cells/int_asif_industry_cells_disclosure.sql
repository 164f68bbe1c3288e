{#- Unrolled passes, one group type each in a fixed cycle (a type's groups are disjoint: a
    pass never hides two cells for one problem); the final check flags unsafe groups. -#}
{{ config(materialized='incremental', **by_year_incremental()) }}
{%- set group_types = ['ownership', 'segment', 'group', 'division', 'geography'] -%}
{%- set passes = var('sdc_secondary_cycles') * (group_types | length) -%}
{%- set min_firms = var('sdc_min_firms') | int -%}
{%- set dominance = var('sdc_dominance') | int -%}
-- sqlfluff:indentation:template_blocks_indent:False
-- Disclosure status of every ASIF cell (docs/methodology.md). Primary 'C':
-- int_asif_industry_cells_primary. Secondary 'D' (greedy): a group of int_disclosure_groups
-- (parent = Σ children) is unsafe when its parent is published and its hidden children sum
-- to something sensitive or one suppressed cell, or its parent is hidden and every child
-- published; it gets one more hidden member: the smallest published child making the hidden
-- sum pass (else the largest), else the parent (geography: the parent first, so Kunshan
-- stays visible). A remainder (rest of Suzhou), the difference of two published cells, is
-- hidden when primary-suppressed or a published cell of its geography group is; choosing it
-- hides Suzhou. Then whole division blocks of group cells (sdc_blocked_group_cells).
-- Incremental by year: groups never cross years (int_asif_year_digests, thresholds included).
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

cells as (
    select
        year,
        cell_id,
        unit_kind,
        gross_output,
        n_contributors,
        top_contributions,
        primary_status
    from {{ ref('int_asif_industry_cells_primary') }}
    where year in (select years_to_build.year from years_to_build)
),

member_cells as {{ materialized_cte() }} (
    select
        memberships.group_id,
        memberships.group_type,
        memberships.cell_id,
        memberships.member_role,
        cells.unit_kind,
        cells.gross_output,
        cells.n_contributors,
        cells.top_contributions
    from {{ ref('int_disclosure_groups') }} as memberships
    inner join cells on memberships.cell_id = cells.cell_id
    where memberships.year in (select years_to_build.year from years_to_build)
),

-- each remainder cell with the published cells of its geography group
remainder_links as {{ materialized_cte() }} (
    select
        remainders.cell_id as remainder_cell_id,
        units.cell_id as unit_cell_id,
        units.member_role = 'parent' as is_parent
    from member_cells as remainders
    inner join member_cells as units
        on
            remainders.group_id = units.group_id
            and units.unit_kind = 'unit'
    where remainders.group_type = 'geography' and remainders.unit_kind = 'remainder'
),

remainder_parents as (
    select
        remainder_cell_id,
        unit_cell_id as parent_cell_id
    from remainder_links
    where is_parent
)
{%- endset %}

{#- pass k: the CTEs ending in pass_k, which reads pass_(k-1); pass 0 is the primary status -#}
{%- set passes_sql = [] %}
{%- set first_pass %}
step_0 as (
    select
        cell_id,
        primary_status as conf_status,
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
    select
        coalesce(remainder_parents.parent_cell_id, member_cells.cell_id) as cell_id,
        row_number() over (
            partition by member_cells.group_id
            order by
                case
                    when member_cells.group_type = 'geography'
                        then member_cells.member_role = 'child'
                    else member_cells.member_role = 'parent'
                end asc nulls last,
                -- the smallest child that makes the hidden sum safe; failing that the largest
                member_cells.gross_output >= unsafe_groups_{{ i }}.needed_gross_output
                and member_cells.n_contributors >= unsafe_groups_{{ i }}.needed_contributors
                desc nulls last,
                case
                    when
                        member_cells.gross_output >= unsafe_groups_{{ i }}.needed_gross_output
                        and member_cells.n_contributors >= unsafe_groups_{{ i }}.needed_contributors
                        then member_cells.gross_output
                    else -member_cells.gross_output
                end asc nulls last,
                member_cells.cell_id asc nulls last
        ) as pick_rank
    from member_cells
    inner join unsafe_groups_{{ i }} on member_cells.group_id = unsafe_groups_{{ i }}.group_id
    inner join pass_{{ i - 1 }} on member_cells.cell_id = pass_{{ i - 1 }}.cell_id
    left join remainder_parents on member_cells.cell_id = remainder_parents.remainder_cell_id
    where not pass_{{ i - 1 }}.is_hidden
),

picks_{{ i }} as {{ materialized_cte() }} (
    select distinct cell_id
    from ranked_members_{{ i }}
    where pick_rank = 1
),

step_{{ i }} as (
    select
        pass_{{ i - 1 }}.cell_id,
        case
            when picks_{{ i }}.cell_id is not null then 'D'
            else pass_{{ i - 1 }}.conf_status
        end as conf_status,
        pass_{{ i - 1 }}.is_hidden or picks_{{ i }}.cell_id is not null as is_hidden
    from pass_{{ i - 1 }}
    left join picks_{{ i }} on pass_{{ i - 1 }}.cell_id = picks_{{ i }}.cell_id
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

unresolved_cells as (
    select distinct member_cells.cell_id
    from member_cells
    inner join final_unsafe_groups on member_cells.group_id = final_unsafe_groups.group_id
),

{{ sdc_blocked_group_cells('pass_' ~ passes) }}

select
    cells.cell_id,
    cells.year,
    cells.primary_status,
    coalesce(blocked_cells.conf_status, pass_{{ passes }}.conf_status) as conf_status,
    unresolved_cells.cell_id is not null as is_in_unresolved_group,
    years_to_build.built_from
from cells
inner join pass_{{ passes }} on cells.cell_id = pass_{{ passes }}.cell_id
inner join years_to_build on cells.year = years_to_build.year
left join unresolved_cells on cells.cell_id = unresolved_cells.cell_id
left join blocked_cells on cells.cell_id = blocked_cells.cell_id
