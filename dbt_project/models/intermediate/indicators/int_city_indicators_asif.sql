-- Every ASIF indicator of docs/marts.md per published city unit, year and breakdown, in long
-- form: the exact numerator and denominator, the value computed once from them (DOUBLE),
-- whether any value added in it is imputed (E), the releases it comes from and the cells
-- whose disclosure status it inherits (ids of int_disclosure_cell_status).
-- The rows come from the indicator_measures seed (source 'asif'): each names the measures
-- below that are its numerator and denominator. Measures are exact, DECIMAL(38, 9) (the
-- segment outputs' own type; every other measure fits it exactly), one per city and year.
{%- set total_measures = [
    'mfg_gross_output', 'ict_gross_output', 'ict_firms', 'ict_value_added', 'ict_export_value',
    'ict_gross_output_hmt', 'ict_gross_output_foreign', 'ict_gross_output_cap25',
    'ict_value_added_hmt', 'ict_value_added_foreign', 'ict_value_added_cap25',
    'mfg_gross_output_sales_20m', 'ict_gross_output_sales_20m'
] %}
with

totals as (
    select * from {{ ref('int_city_year_asif_totals') }}
),

national_totals as (
    select * from {{ ref('int_year_asif_national_totals') }}
),

entry_exit as (
    select * from {{ ref('int_city_year_ict_entry_exit') }}
),

published_cells as (
    select * from {{ ref('int_city_year_published_outputs') }}
),

segments as (
    select distinct segment from {{ ref('ict_segment_map') }}
),

-- squares of exact division sums, still exact: DECIMAL(38, 3)² fits DECIMAL(38, 6)
division_output_terms as (
    select
        city_code,
        year,
        sum(division_output * division_output) as division_output_squares,
        sum(division_output) as division_output_sum
    from (
        select
            city_code,
            year,
            cast(round(gross_output, 3) as decimal(38, 3)) as division_output
        from published_cells
        where industry_level = 'division'
    ) as divisions
    group by city_code, year
),

-- the city totals, FDI sums (HMT + foreign), top-4 terms (NULL below four ICT firms) and
-- the Herfindahl terms
city_measures as (
    select
        totals.city_code,
        totals.year,
        totals.release_ids,
        totals.ict_has_imputed_va as has_imputed_value_added,
        {%- for measure in total_measures %}
            cast(totals.{{ measure }} as decimal(38, 9)) as {{ measure }},
        {%- endfor %}
        cast(totals.ict_gross_output_hmt + totals.ict_gross_output_foreign as decimal(38, 9))
            as ict_fie_gross_output,
        cast(totals.ict_value_added_hmt + totals.ict_value_added_foreign as decimal(38, 9))
            as ict_fie_value_added,
        cast(
            case when totals.ict_firms >= 4 then totals.ict_top4_gross_output end
            as decimal(38, 9)
        ) as ict_top4_gross_output_min4,
        cast(
            case when totals.ict_firms >= 4 then totals.ict_gross_output end as decimal(38, 9)
        ) as ict_gross_output_min4,
        cast(division_output_terms.division_output_squares as decimal(38, 9))
            as division_output_squares,
        cast(
            division_output_terms.division_output_sum * division_output_terms.division_output_sum
            as decimal(38, 9)
        ) as division_output_sum_squared
    from totals
    left join division_output_terms
        on
            totals.city_code = division_output_terms.city_code
            and totals.year = division_output_terms.year
),

-- (city ICT / city mfg) / (release ICT / release mfg), as one exact fraction; only the
-- years with a national benchmark
location_quotient_measures as (
    select
        totals.city_code,
        totals.year,
        totals.release_ids,
        false as has_imputed_value_added,
        cast(totals.ict_gross_output * national_totals.mfg_gross_output as decimal(38, 9))
            as ict_output_x_national_mfg_output,
        cast(totals.mfg_gross_output * national_totals.ict_gross_output as decimal(38, 9))
            as mfg_output_x_national_ict_output
    from totals
    inner join national_totals on totals.year = national_totals.year
),

dynamics_measures as (
    select
        city_code,
        year,
        release_ids,
        false as has_imputed_value_added,
        cast(ict_entrants as decimal(38, 9)) as ict_entrants,
        cast(ict_firms as decimal(38, 9)) as panel_ict_firms,
        cast(ict_exits as decimal(38, 9)) as ict_exits,
        cast(previous_ict_firms as decimal(38, 9)) as previous_ict_firms
    from entry_exit
),

-- every segment of the map, 0 where the city has no cell of it
segment_measures as (
    select
        totals.city_code,
        totals.year,
        totals.release_ids,
        false as has_imputed_value_added,
        'segment_gross_output_' || segments.segment as measure,
        coalesce(segment_cells.gross_output, 0) as amount
    from totals
    cross join segments
    left join published_cells as segment_cells
        on
            totals.city_code = segment_cells.city_code
            and totals.year = segment_cells.year
            and segment_cells.industry_level = 'ict_segment'
            and segments.segment = segment_cells.industry_code
),

measures as (
    {{ measures_long('city_measures', total_measures + [
        'ict_fie_gross_output', 'ict_fie_value_added',
        'ict_top4_gross_output_min4', 'ict_gross_output_min4',
        'division_output_squares', 'division_output_sum_squared',
    ]) | indent(4) }}
    union all
    {{ measures_long('location_quotient_measures', [
        'ict_output_x_national_mfg_output', 'mfg_output_x_national_ict_output',
    ]) | indent(4) }}
    union all
    {{ measures_long('dynamics_measures', [
        'ict_entrants', 'panel_ict_firms', 'ict_exits', 'previous_ict_firms',
    ]) | indent(4) }}
    union all
    select * from segment_measures
)

{{ indicators_from_measures('asif', 'measures') }}
