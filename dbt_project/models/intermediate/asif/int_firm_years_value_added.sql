-- Harmonised ASIF firm-years with their panel id and final value added (thousand yuan) and
-- how it was obtained (docs/schemas.md). int_firm_years_va_estimates gives every firm-year
-- a value from the ASIF alone; here the firm-years imputed from donor medians (firms never
-- observed with value added) are improved with the yearbooks:
-- 1. 'yearbook_benchmark': in a cell the yearbook benchmarks (int_value_added_benchmarks),
--    the donor estimate × the cell's residual ÷ the cell's donor estimates;
-- 2. 'panel_benchmark_vat_share': otherwise, when the firm reports VAT payable, VAT ÷ the
--    VAT/VA share of the firm's nearest benchmarked year (ties: the earlier), as a firm's
--    VAT/VA share is steady (the rule panel_vat_share uses for reported value added).
-- Every other firm-year keeps its first value.
with

estimates as (
    select * from {{ ref('int_firm_years_va_estimates') }}
),

benchmarks as (
    select
        year,
        city_code,
        vintage,
        division,
        ownership_group,
        donor_estimated_value_added,
        residual_value_added
    from {{ ref('int_value_added_benchmarks') }}
    where is_benchmarked
),

-- the cell's residual shared in proportion to the donor estimates
benchmarked as (
    select
        estimates.*,
        benchmarks.year is not null as is_benchmarked,
        case
            when benchmarks.year is not null
                then {{ rounded_decimal(
                    'cast(estimates.value_added as double)'
                    ~ ' * cast(benchmarks.residual_value_added as double)'
                    ~ ' / cast(benchmarks.donor_estimated_value_added as double)',
                    18, 3
                ) }}
        end as benchmarked_value_added
    from estimates
    left join benchmarks
        on
            estimates.is_donor_imputed
            and estimates.year = benchmarks.year
            and estimates.city_code = benchmarks.city_code
            and estimates.vintage = benchmarks.vintage
            and left(estimates.industry_code, 2) = benchmarks.division
            and estimates.ownership_group = benchmarks.ownership_group
),

benchmark_shares as (
    select
        *,
        case
            when vat_payable > 0 and vat_payable < benchmarked_value_added
                then cast(vat_payable as double) / cast(benchmarked_value_added as double)
        end as benchmark_vat_share
    from benchmarked
),

-- the nearest benchmarked year of the same panel, before and after: the windows carry five
-- columns and join back, as a window sorts every column it carries (national: 4.2 → 3.3 s)
panel_benchmarks as (
    select
        year,
        firm_id,
        {{ last_non_null('benchmark_vat_share') }} over earlier_years as previous_share,
        {{ last_non_null('case when benchmark_vat_share is not null then year end') }}
            over earlier_years as previous_year,
        {{ first_non_null('benchmark_vat_share') }} over later_years as next_share,
        {{ first_non_null('case when benchmark_vat_share is not null then year end') }}
            over later_years as next_year
    from benchmark_shares
    window
        earlier_years as (
            partition by panel_id order by year
            rows between unbounded preceding and 1 preceding
        ),
        later_years as (
            partition by panel_id order by year
            rows between 1 following and unbounded following
        )
),

nearest_shares as (
    select
        benchmark_shares.*,
        case
            when
                panel_benchmarks.next_year is null
                or benchmark_shares.year - panel_benchmarks.previous_year
                <= panel_benchmarks.next_year - benchmark_shares.year
                then panel_benchmarks.previous_share
            else panel_benchmarks.next_share
        end as nearest_benchmark_vat_share
    from benchmark_shares
    inner join panel_benchmarks
        on
            benchmark_shares.year = panel_benchmarks.year
            and benchmark_shares.firm_id = panel_benchmarks.firm_id
),

final as (
    select
        *,
        is_donor_imputed
        and not is_benchmarked
        and vat_payable > 0
        and nearest_benchmark_vat_share is not null as uses_benchmark_vat_share
    from nearest_shares
)

-- the first values' columns (named: Spark has no `select * exclude/replace`), with the
-- final source and value added
select
    year,
    firm_id,
    panel_id,
    release_id,
    firm_name,
    vintage,
    industry_code,
    class_2011,
    division_2011,
    is_manufacturing,
    is_ict,
    city_code,
    city_units,
    registration_type,
    ownership_group,
    is_cap25,
    is_sales_20m,
    coverage_regime,
    gross_output,
    export_value,
    employment,
    sales,
    va_method,
    case
        when is_benchmarked then 'yearbook_benchmark'
        when uses_benchmark_vat_share then 'panel_benchmark_vat_share'
        else va_ratio_source
    end as va_ratio_source,
    case
        when is_benchmarked then benchmarked_value_added
        when uses_benchmark_vat_share
            then {{ rounded_decimal('vat_payable / nearest_benchmark_vat_share', 18, 3) }}
        else value_added
    end as value_added
from final
