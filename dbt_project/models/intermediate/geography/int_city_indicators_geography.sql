-- The city-level economic-geography indicators in the long form of int_city_indicators_asif
-- (breakdown 'total'): eci and diversity from the complexity step, related and unrelated
-- variety, and the three shift-share parts. Built from the city's group and division cells
-- (gross output). Disclosure status: unrelated variety, like hhi_mfg, the worst of the
-- manufacturing division cells (a function of their shares); related variety the worst of the
-- group cells; the industry-mix and competitive parts, weighted sums of the division cells of
-- two years, the worst of those (the national division growth G_i is recoverable from many
-- cities' parts); eci, diversity and the national-share part that of the manufacturing total
-- (docs/methodology.md#disclosure-control).
with

year_releases as (
    select
        year,
        release_id
    from {{ ref('int_year_asif_national_totals') }}
),

complexity_values as (
    select
        city_code,
        year,
        indicator_id,
        value
    from {{ ref('stg_complexity__values') }}
    where indicator_id in ('eci', 'diversity')
),

variety as (
    select * from {{ ref('int_city_year_variety') }}
),

shift_share as (
    select * from {{ ref('int_city_year_shift_share') }}
),

values_long as (
    select
        city_code,
        year,
        indicator_id,
        value
    from complexity_values
    union all
    select
        city_code,
        year,
        'related_variety' as indicator_id,
        related_variety as value
    from variety
    union all
    select
        city_code,
        year,
        'unrelated_variety' as indicator_id,
        unrelated_variety as value
    from variety
    union all
    select
        city_code,
        year,
        'shift_share_national' as indicator_id,
        national_share as value
    from shift_share
    union all
    select
        city_code,
        year,
        'shift_share_industry_mix' as indicator_id,
        industry_mix as value
    from shift_share
    union all
    select
        city_code,
        year,
        'shift_share_competitive' as indicator_id,
        competitive as value
    from shift_share
)

select
    values_long.city_code,
    values_long.year,
    values_long.indicator_id,
    'total' as breakdown,
    values_long.value,
    cast(null as decimal(38, 6)) as numerator,
    cast(null as decimal(38, 6)) as denominator,
    false as has_imputed_value_added,
    -- shift-share compares two surveys: the year's release and the one before
    case
        when values_long.indicator_id like 'shift_share_%'
            then concat_ws(',', previous_release.release_id, current_release.release_id)
        else current_release.release_id
    end as release_ids,
    {{ space_separated_list(
        "case values_long.indicator_id"
        ~ " when 'unrelated_variety' then 'derived/hhi_mfg'"
        ~ " when 'related_variety' then 'derived/mfg_groups'"
        ~ " when 'shift_share_industry_mix'"
        ~ " then 'derived/hhi_mfg derived/hhi_mfg_previous_year'"
        ~ " when 'shift_share_competitive'"
        ~ " then 'derived/hhi_mfg derived/hhi_mfg_previous_year'"
        ~ " else 'division/C/total@gross_output' end"
    ) }} as disclosure_cells
from values_long
inner join year_releases as current_release on values_long.year = current_release.year
left join year_releases as previous_release on values_long.year - 1 = previous_release.year
