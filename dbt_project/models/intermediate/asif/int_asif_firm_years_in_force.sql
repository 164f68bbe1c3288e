{{ config(materialized='view') }}
-- The staged ASIF firm-years of the release in force for each year (docs/catalog.md supersession,
-- int_release_supply_chosen): superseded revisions and quarantined releases excluded. A view:
-- the rows are stored once, in stg_asif__firm_years.
with

releases_in_force as (
    select release_id
    from {{ ref('int_release_supply_chosen') }}
    where dataset = 'asif' and is_effective
),

-- built_from is the staging layer's incremental bookkeeping; firm_id_rows_dropped is counted
-- from staging (fct_data_quality's rows_read) and stays out of the firm-level models
firm_years as (
    select
        {{ all_columns_except(
            ref('stg_asif__firm_years'), ['built_from', 'firm_id_rows_dropped']
        ) }}
    from {{ ref('stg_asif__firm_years') }}
)

select firm_years.*
from firm_years
inner join releases_in_force on firm_years.release_id = releases_in_force.release_id
