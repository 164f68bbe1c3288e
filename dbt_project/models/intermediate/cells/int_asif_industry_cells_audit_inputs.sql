{{ config(materialized='incremental', **by_year_magnitude_incremental()) }}
-- What the disclosure step (orchestration/disclosure) audits and completes, one row per ASIF
-- cell × magnitude: the value (0 where no firm reports it), the greedy pattern of
-- int_asif_industry_cells_disclosure as the attacker sees it, and each primary cell's
-- protection level (sdc_protection_level). audit_status: 'C' primary, 'D' secondary, 'F'
-- published, 'R' an unpublished remainder (rest of Suzhou) that is not primary: never a cell
-- of its own in serve/, the attacker learns it only through the geography relation.
-- Incremental by year and magnitude on the magnitude's disclosure digest, like the pattern it
-- reads.
with

year_inputs as (
    {{ magnitude_disclosure_inputs() | indent(4) }}
),

years_to_build as (
    {{ keys_to_build('year_inputs', ['year', 'magnitude']) | indent(4) }}
),

primary_cells as (
    select
        year,
        cell_id,
        magnitude,
        unit_kind,
        cast(coalesce(value, 0) as double) as value,
        cast({{ first_element('top_contributions') }} as double) as largest,
        cast({{ array_total('top_contributions') }} as double) as top2
    from {{ ref('int_asif_industry_cells_primary') }} as cells
    -- only the magnitudes to build: a revision reaching a year through value added alone
    -- rebuilds one of its four patterns
    where {{ among_keys_to_build('cells', ['year', 'magnitude']) | indent(4) }}
),

-- each cell's protection level beside it (a projection, not a join back on the text keys)
protected_cells as (
    select
        *,
        {{ sdc_protection_level('largest', 'top2', 'value') | indent(8) }} as protection_level
    from primary_cells
),

greedy_statuses as (
    select
        cell_id,
        magnitude,
        conf_status
    from {{ ref('int_asif_industry_cells_disclosure') }} as statuses
    where {{ among_keys_to_build('statuses', ['year', 'magnitude']) | indent(4) }}
)

select
    protected_cells.year,
    protected_cells.cell_id,
    protected_cells.magnitude,
    protected_cells.value,
    case
        when greedy_statuses.conf_status = 'C' then 'C'
        when protected_cells.unit_kind = 'remainder' then 'R'
        else greedy_statuses.conf_status
    end as audit_status,
    case
        when greedy_statuses.conf_status = 'C' then protected_cells.protection_level
        else 0
    end as protection,
    years_to_build.built_from
from protected_cells
inner join greedy_statuses
    on
        protected_cells.cell_id = greedy_statuses.cell_id
        and protected_cells.magnitude = greedy_statuses.magnitude
inner join years_to_build
    on
        protected_cells.year = years_to_build.year
        and protected_cells.magnitude = years_to_build.magnitude
