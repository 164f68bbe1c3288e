{{ config(materialized='view') }}
-- The final disclosure status of every ASIF cell × magnitude: the greedy pattern of
-- int_asif_industry_cells_disclosure, and 'D' where the disclosure step hides a published
-- value in addition so that every primary value is protected on both sides
-- (stg_disclosure__completions).
with

greedy_statuses as (
    select
        cell_id,
        magnitude,
        year,
        conf_status
    from {{ ref('int_asif_industry_cells_disclosure') }}
),

completions as (
    select
        cell_id,
        magnitude
    from {{ ref('stg_disclosure__completions') }}
)

select
    greedy_statuses.cell_id,
    greedy_statuses.magnitude,
    greedy_statuses.year,
    case
        when completions.cell_id is not null and greedy_statuses.conf_status = 'F' then 'D'
        else greedy_statuses.conf_status
    end as conf_status,
    completions.cell_id is not null as is_completion
from greedy_statuses
left join completions
    on
        greedy_statuses.cell_id = completions.cell_id
        and greedy_statuses.magnitude = completions.magnitude
