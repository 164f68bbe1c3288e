-- Exact (DECIMAL) ASIF totals per published city unit and year that the indicators divide:
-- manufacturing and ICT by the year's own vintage, ICT by ownership (registration type and
-- cap25), the 20-million-sales subsets, exports, the four largest ICT firms.
with

firm_years as (
    select * from {{ ref('int_firm_years_value_added') }}
),

units as (
    select
        year,
        firm_id,
        city_code
    from {{ ref('int_firm_year_city_units') }}
    where unit_kind = 'unit'
),

firm_units as (
    -- the unit's city (firm_years has its own city_code: Spark refuses the duplicate name)
    select
        units.city_code,
        firm_years.year,
        firm_years.release_id,
        firm_years.is_manufacturing,
        firm_years.is_ict,
        firm_years.ownership_group,
        firm_years.is_cap25,
        firm_years.is_sales_20m,
        firm_years.gross_output,
        firm_years.value_added,
        firm_years.export_value,
        firm_years.va_method
    from firm_years
    inner join units
        on
            firm_years.year = units.year
            and firm_years.firm_id = units.firm_id
)

select
    city_code,
    year,
    -- one effective release per year
    min(release_id) as release_ids,
    count(*) filter (where is_manufacturing) as mfg_firms,
    count(*) filter (where is_ict) as ict_firms,
    coalesce(sum(gross_output) filter (where is_manufacturing), 0) as mfg_gross_output,
    coalesce(sum(gross_output) filter (where is_ict), 0) as ict_gross_output,
    coalesce(sum(value_added) filter (where is_ict), 0) as ict_value_added,
    sum(export_value) filter (where is_ict) as ict_export_value,
    coalesce(
        sum(gross_output) filter (where is_ict and ownership_group = 'hmt'), 0
    ) as ict_gross_output_hmt,
    coalesce(
        sum(gross_output) filter (where is_ict and ownership_group = 'foreign'), 0
    ) as ict_gross_output_foreign,
    coalesce(sum(gross_output) filter (where is_ict and is_cap25), 0) as ict_gross_output_cap25,
    coalesce(
        sum(value_added) filter (where is_ict and ownership_group = 'hmt'), 0
    ) as ict_value_added_hmt,
    coalesce(
        sum(value_added) filter (where is_ict and ownership_group = 'foreign'), 0
    ) as ict_value_added_foreign,
    coalesce(sum(value_added) filter (where is_ict and is_cap25), 0) as ict_value_added_cap25,
    coalesce(
        sum(gross_output) filter (where is_manufacturing and is_sales_20m), 0
    ) as mfg_gross_output_sales_20m,
    coalesce(
        sum(gross_output) filter (where is_ict and is_sales_20m), 0
    ) as ict_gross_output_sales_20m,
    coalesce(bool_or(va_method <> 'reported') filter (where is_ict), false) as ict_has_imputed_va,
    {{ sum_of_largest('gross_output', 4, 'is_ict', 'decimal(38, 3)') }} as ict_top4_gross_output
from firm_units
group by city_code, year
