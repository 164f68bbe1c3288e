{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}
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
-- Only donor-imputed firm-years change, and the nearest benchmarked year of a panel may be
-- any year, so those are worked out every run (narrow rows); the year's other firm-years are
-- copied. Incremental by year: the input key is the year's int_firm_years_va_estimates build
-- and the digest of its donor-imputed firm-years' final values.
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

-- the firm-years the yearbooks can improve, every year
donor_imputed as (
    select
        year,
        firm_id,
        panel_id,
        city_code,
        vintage,
        industry_code,
        ownership_group,
        value_added,
        vat_payable
    from estimates
    where is_donor_imputed
),

-- the cell's residual shared in proportion to the donor estimates
benchmarked as (
    select
        donor_imputed.*,
        benchmarks.year is not null as is_benchmarked,
        case
            when benchmarks.year is not null
                then cast(round(
                    cast(donor_imputed.value_added as double)
                    * cast(benchmarks.residual_value_added as double)
                    / cast(benchmarks.donor_estimated_value_added as double),
                    3
                ) as decimal(18, 3))
        end as benchmarked_value_added
    from donor_imputed
    left join benchmarks
        on
            donor_imputed.year = benchmarks.year
            and donor_imputed.city_code = benchmarks.city_code
            and donor_imputed.vintage = benchmarks.vintage
            and left(donor_imputed.industry_code, 2) = benchmarks.division
            and donor_imputed.ownership_group = benchmarks.ownership_group
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

-- the nearest benchmarked year of the same panel, before and after (only donor-imputed
-- firm-years have a benchmark share, so the other firm-years of a panel can be left out)
panel_benchmarks as (
    select
        *,
        last_value(benchmark_vat_share ignore nulls) over earlier_years as previous_share,
        last_value(
            case when benchmark_vat_share is not null then year end ignore nulls
        ) over earlier_years as previous_year,
        first_value(benchmark_vat_share ignore nulls) over later_years as next_share,
        first_value(
            case when benchmark_vat_share is not null then year end ignore nulls
        ) over later_years as next_year
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
        *,
        case
            when next_year is null or year - previous_year <= next_year - year
                then previous_share
            else next_share
        end as nearest_benchmark_vat_share
    from panel_benchmarks
),

donor_values as materialized (
    select
        year,
        firm_id,
        is_benchmarked,
        not is_benchmarked
        and vat_payable > 0
        and nearest_benchmark_vat_share is not null as uses_benchmark_vat_share,
        case
            when is_benchmarked then benchmarked_value_added
            when uses_benchmark_vat_share
                then cast(round(vat_payable / nearest_benchmark_vat_share, 3) as decimal(18, 3))
        end as final_value_added
    from nearest_shares
),

estimate_builds as (
    select distinct
        year,
        built_from
    from estimates
),

donor_digests as (
    select
        year,
        {{ rows_digest([
            'firm_id', 'is_benchmarked', 'uses_benchmark_vat_share', 'final_value_added'
        ]) }} as digest
    from donor_values
    group by year
),

year_inputs as (
    select
        estimate_builds.year,
        md5(concat_ws(':', estimate_builds.built_from, donor_digests.digest)) as input_key
    from estimate_builds
    left join donor_digests on estimate_builds.year = donor_digests.year
),

years_to_build as (
    {{ years_to_build('year_inputs') | indent(4) }}
),

final as (
    select
        estimates.*,
        donor_values.is_benchmarked,
        donor_values.uses_benchmark_vat_share,
        donor_values.final_value_added,
        years_to_build.built_from as year_built_from
    from estimates
    inner join years_to_build on estimates.year = years_to_build.year
    left join donor_values
        on
            estimates.year = donor_values.year
            and estimates.firm_id = donor_values.firm_id
)

-- the first values' columns, with the final source and value added
select
    * exclude (
        is_donor_imputed, vat_payable, built_from, is_benchmarked, uses_benchmark_vat_share,
        final_value_added, year_built_from
    ) replace (
        case
            when is_benchmarked then 'yearbook_benchmark'
            when uses_benchmark_vat_share then 'panel_benchmark_vat_share'
            else va_ratio_source
        end as va_ratio_source,
        case
            when is_benchmarked or uses_benchmark_vat_share then final_value_added
            else value_added
        end as value_added
    ),
    year_built_from as built_from
from final
