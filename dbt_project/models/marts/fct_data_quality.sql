-- What happened to every release on its way to the marts — no silent drops (docs/schemas.md).
-- Long form, one row per (release_id, city_code, step, metric, detail), the union of
-- one intermediate model per step (intermediate/quality):
--   raw, ingest  int_release_intake_counted;
--   staging      int_staged_rows_counted, int_fdi_city_supply_checked;
--   harmonise    int_harmonise_outcomes_counted;
--   city_year    int_city_year_imputation_measured (city_code set; disclosure-controlled).
with

releases as (
    select
        release_id,
        dataset,
        period
    from {{ ref('stg_ops__releases') }}
),

all_metrics as (
    select * from {{ ref('int_release_intake_counted') }}
    union all
    select * from {{ ref('int_staged_rows_counted') }}
    union all
    select * from {{ ref('int_fdi_city_supply_checked') }}
    union all
    select * from {{ ref('int_harmonise_outcomes_counted') }}
    union all
    select * from {{ ref('int_city_year_imputation_measured') }}
)

select
    all_metrics.release_id,
    releases.dataset,
    releases.period as year,
    all_metrics.city_code,
    all_metrics.step,
    all_metrics.metric,
    all_metrics.detail,
    {{ disclosed('all_metrics.value', 'all_metrics.conf_status') }} as value,
    all_metrics.conf_status
from all_metrics
left join releases on all_metrics.release_id = releases.release_id
order by
    all_metrics.release_id,
    all_metrics.city_code nulls first,
    all_metrics.step,
    all_metrics.metric,
    all_metrics.detail
