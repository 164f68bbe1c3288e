-- Yearbook benchmarks for donor-imputed value added. A city yearbook (fdi_city) prints the
-- gross output and value added of the city's above-scale industry by division × registration
-- group, the ASIF frame. Where the ASIF firm-years of a city unit × division × group add up to
-- the printed gross output (the same firms), the printed value added less the value added
-- known firm by firm (reported, production approach or the firm's own panel) is the value
-- added of the cell's firms imputed from donor medians, whose own errors do not cancel when a
-- cell holds one large plant. A county-level city with its own yearbook (Kunshan) is taken
-- out of its parent's (Suzhou) printed values, as its firms are out of the parent's unit.
-- Divisions are compared in the year's vintage: yearbook and ASIF print the same one.
with

firm_years as (
    select
        year,
        city_code,
        vintage,
        left(industry_code, 2) as division,
        ownership_group,
        gross_output,
        value_added,
        is_donor_imputed
    from {{ ref('int_firm_years_va_estimates') }}
    where city_code is not null and industry_code is not null
),

asif_cells as (
    select
        year,
        city_code,
        vintage,
        division,
        ownership_group,
        sum(gross_output) as asif_gross_output,
        coalesce(sum(value_added) filter (where not is_donor_imputed), 0)
            as known_value_added,
        coalesce(sum(value_added) filter (where is_donor_imputed), 0)
            as donor_estimated_value_added,
        count(*) filter (where is_donor_imputed) as donor_imputed_firms
    from firm_years
    group by year, city_code, vintage, division, ownership_group
),

printed_cells as (
    select
        year,
        city_code,
        vintage,
        industry_code as division,
        ownership as ownership_group,
        max(value_thousand_yuan) filter (where measure = 'gross_output') as gross_output,
        max(value_thousand_yuan) filter (where measure = 'value_added') as value_added
    from {{ ref('int_fdi_city_cells_in_force') }}
    where ownership in ('domestic', 'hmt', 'foreign') and industry_code <> 'C'
    group by year, city_code, vintage, industry_code, ownership
),

child_units as (
    select
        city_code,
        parent_code
    from {{ ref('cities') }}
    where level = 'county_city'
),

-- a parent's printed cell less its county-level cities' printed cells
unit_cells as (
    select
        printed_cells.year,
        printed_cells.city_code,
        printed_cells.vintage,
        printed_cells.division,
        printed_cells.ownership_group,
        printed_cells.gross_output - coalesce(sum(children.gross_output), 0) as gross_output,
        printed_cells.value_added - coalesce(sum(children.value_added), 0) as value_added
    from printed_cells
    left join child_units on printed_cells.city_code = child_units.parent_code
    left join printed_cells as children
        on
            child_units.city_code = children.city_code
            and printed_cells.year = children.year
            and printed_cells.vintage = children.vintage
            and printed_cells.division = children.division
            and printed_cells.ownership_group = children.ownership_group
    group by
        printed_cells.year,
        printed_cells.city_code,
        printed_cells.vintage,
        printed_cells.division,
        printed_cells.ownership_group,
        printed_cells.gross_output,
        printed_cells.value_added
),

compared as (
    select
        asif_cells.*,
        unit_cells.gross_output as yearbook_gross_output,
        unit_cells.value_added as yearbook_value_added,
        unit_cells.value_added - asif_cells.known_value_added as residual_value_added
    from asif_cells
    left join unit_cells
        on
            asif_cells.year = unit_cells.year
            and asif_cells.city_code = unit_cells.city_code
            and asif_cells.vintage = unit_cells.vintage
            and asif_cells.division = unit_cells.division
            and asif_cells.ownership_group = unit_cells.ownership_group
    where asif_cells.donor_imputed_firms > 0
),

-- the printed values are rounded (at most 0.0001 亿元 = 10 thousand yuan, twice that for a
-- parent less its county-level city): the donor estimates must be large enough for that
-- rounding to move the factor by at most 1 %, and a factor beyond the band says the two
-- sources do not describe the same value added
statuses as (
    select
        *,
        case
            when yearbook_gross_output is null or yearbook_value_added is null
                then 'no_yearbook_cell'
            when
                abs(asif_gross_output - yearbook_gross_output)
                > {{ var('va_benchmark_rounding') }}
                then 'gross_output_differs'
            when donor_estimated_value_added < 100 * {{ var('va_benchmark_rounding') }}
                then 'too_small'
            when
                residual_value_added
                not between donor_estimated_value_added / {{ var('va_benchmark_max_factor') }}
                and donor_estimated_value_added * {{ var('va_benchmark_max_factor') }}
                then 'implausible_factor'
            else 'benchmarked'
        end as benchmark_status
    from compared
)

select
    year,
    city_code,
    vintage,
    division,
    ownership_group,
    asif_gross_output,
    yearbook_gross_output,
    yearbook_value_added,
    known_value_added,
    donor_imputed_firms,
    donor_estimated_value_added,
    residual_value_added,
    benchmark_status,
    benchmark_status = 'benchmarked' as is_benchmarked
from statuses
