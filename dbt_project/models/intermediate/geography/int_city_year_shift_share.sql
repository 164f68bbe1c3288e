-- Shift-share of the change in each city unit's manufacturing gross output from year t−1 to t,
-- over harmonised manufacturing divisions i (thousand yuan):
--   national share  Σ_i X_ci(t−1) · G
--   industry mix    Σ_i X_ci(t−1) · (G_i − G)
--   competitive     Σ_i [X_ci(t) − X_ci(t−1) · (1 + G_i)]  (a division new to the city in full)
-- G = national manufacturing growth, G_i the division's national growth; "national" is the sum
-- over the matrix locations (municipalities and prefecture-level cities). The competitive part
-- is the change minus the other two, so the three sum to the change. Only for years whose
-- previous year is surveyed too.
with

division_outputs as (
    select
        city_code,
        year,
        industry_code as division_code,
        gross_output
    from {{ ref('int_city_year_published_outputs') }}
    where industry_level = 'division'
),

matrix_locations as (
    select city_code
    from {{ ref('cities') }}
    where level in ('prefecture', 'municipality')
),

national_divisions as (
    select
        year,
        division_code,
        sum(gross_output) as national_output
    from division_outputs
    where city_code in (select matrix_locations.city_code from matrix_locations)
    group by year, division_code
),

national_totals as (
    select
        year,
        sum(national_output) as national_output
    from national_divisions
    group by year
),

national_growth as (
    select
        current_year.year,
        {{ ratio(
            'current_year.national_output - previous_year.national_output',
            'previous_year.national_output'
        ) }} as growth
    from national_totals as current_year
    inner join national_totals as previous_year on current_year.year - 1 = previous_year.year
),

division_growth as (
    select
        national_growth.year,
        previous_year.division_code,
        {{ ratio(
            'coalesce(current_year.national_output, 0) - previous_year.national_output',
            'previous_year.national_output'
        ) }} as growth
    from national_growth
    inner join national_divisions as previous_year
        on national_growth.year - 1 = previous_year.year
    left join national_divisions as current_year
        on
            national_growth.year = current_year.year
            and previous_year.division_code = current_year.division_code
),

-- X_ci(t−1) · G_i, each term rounded to 1e-9 thousand yuan and added exactly
weighted_previous_outputs as (
    select
        division_growth.year,
        previous_year.city_code,
        sum(previous_year.gross_output) as previous_output,
        sum(
            cast(
                cast(previous_year.gross_output as double) * division_growth.growth
                as decimal(38, 9)
            )
        ) as previous_output_grown
    from division_growth
    inner join division_outputs as previous_year
        on
            division_growth.year - 1 = previous_year.year
            and division_growth.division_code = previous_year.division_code
    group by division_growth.year, previous_year.city_code
),

current_outputs as (
    select
        division_outputs.year,
        division_outputs.city_code,
        sum(division_outputs.gross_output) as current_output
    from division_outputs
    inner join national_growth on division_outputs.year = national_growth.year
    group by division_outputs.year, division_outputs.city_code
),

city_changes as (
    select
        coalesce(current_outputs.city_code, weighted_previous_outputs.city_code) as city_code,
        coalesce(current_outputs.year, weighted_previous_outputs.year) as year,
        coalesce(current_outputs.current_output, 0)
        - coalesce(weighted_previous_outputs.previous_output, 0) as output_change,
        cast(coalesce(weighted_previous_outputs.previous_output, 0) as double)
        * national_growth.growth as national_share,
        cast(coalesce(weighted_previous_outputs.previous_output_grown, 0) as double)
        - cast(coalesce(weighted_previous_outputs.previous_output, 0) as double)
        * national_growth.growth as industry_mix
    from current_outputs
    full outer join weighted_previous_outputs
        on
            current_outputs.city_code = weighted_previous_outputs.city_code
            and current_outputs.year = weighted_previous_outputs.year
    inner join national_growth
        on coalesce(current_outputs.year, weighted_previous_outputs.year) = national_growth.year
)

select
    city_code,
    year,
    national_share,
    industry_mix,
    cast(output_change as double) - national_share - industry_mix as competitive,
    cast(output_change as double) as output_change
from city_changes
