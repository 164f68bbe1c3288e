-- fct_data_quality, step city_year: per city unit and year, the firms and how much of their
-- value added is imputed (share of firms, share of value added — the latter carries the
-- disclosure status of the imputed / reported value-added cells of that city-year).
-- One row per (release_id, city_code, metric).
with

firm_years as (
    select * from {{ ref('int_firm_years_value_added') }}
),

city_year_value_added as (
    select
        units.city_code,
        firm_years.year,
        min(firm_years.release_id) as release_id,
        count(*) as firms,
        count(*) filter (where firm_years.va_method <> 'reported') as firms_imputed,
        sum(firm_years.value_added) filter (
            where firm_years.va_method <> 'reported'
        ) as value_added_imputed,
        sum(firm_years.value_added) as value_added
    from firm_years
    inner join {{ ref('int_firm_year_city_units') }} as units
        on
            firm_years.year = units.year
            and firm_years.firm_id = units.firm_id
    where units.unit_kind = 'unit'
    group by units.city_code, firm_years.year
),

imputation_disclosure as (
    select
        city_code,
        year,
        {{ sdc_worst_status('conf_status') }} as conf_status
    from {{ ref('int_derived_disclosure_cells') }}
    where population in ('va_imputed', 'va_reported')
    group by city_code, year
)

select
    city_year_value_added.release_id,
    city_year_value_added.city_code,
    'city_year' as step,
    'firms' as metric,
    '' as detail,
    cast(city_year_value_added.firms as double) as value,
    'F' as conf_status
from city_year_value_added
union all
select
    city_year_value_added.release_id,
    city_year_value_added.city_code,
    'city_year' as step,
    'firms_value_added_imputed_share' as metric,
    '' as detail,
    {{ ratio('city_year_value_added.firms_imputed', 'city_year_value_added.firms') }} as value,
    'F' as conf_status
from city_year_value_added
union all
select
    city_year_value_added.release_id,
    city_year_value_added.city_code,
    'city_year' as step,
    'value_added_imputed_share' as metric,
    '' as detail,
    {{ ratio(
        'coalesce(city_year_value_added.value_added_imputed, 0)',
        'city_year_value_added.value_added'
    ) }} as value,
    coalesce(imputation_disclosure.conf_status, 'F') as conf_status
from city_year_value_added
left join imputation_disclosure
    on
        city_year_value_added.city_code = imputation_disclosure.city_code
        and city_year_value_added.year = imputation_disclosure.year
