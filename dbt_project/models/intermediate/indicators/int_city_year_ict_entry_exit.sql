-- ICT entry and exit per published city unit and year t (docs/marts.md; 1999–2013 when the
-- surveys exist): entrants are ICT panel firms of t whose panel was in no firm-year of the
-- whole survey of t−1; exits are ICT firms of t−1 whose panel is in no firm-year of t. The
-- observed frame, not true births and deaths. NULL without the survey of t−1.
with

survey_panels as (
    -- every staged firm-year, kept or dropped by cleaning: it was in the survey
    select distinct
        staged.year,
        panel.panel_id
    from {{ ref('int_asif_firm_years_in_force') }} as staged
    inner join {{ ref('int_firm_panel') }} as panel on staged.firm_id = panel.firm_id
),

survey_releases as (
    select
        year,
        min(release_id) as release_id
    from {{ ref('int_asif_firm_years_in_force') }}
    group by year
),

-- every kept firm-year of t in each published city unit (the city-years the totals have)
firm_units as (
    select
        units.city_code,
        firm_years.year,
        firm_years.panel_id,
        firm_years.is_ict
    from {{ ref('int_firm_years_value_added') }} as firm_years
    inner join {{ ref('int_firm_year_city_units') }} as units
        on
            firm_years.year = units.year
            and firm_years.firm_id = units.firm_id
    where units.unit_kind = 'unit'
),

ict_firm_units as (
    select
        city_code,
        year,
        panel_id
    from firm_units
    where is_ict
),

unit_years as (
    select distinct
        city_code,
        year
    from firm_units
),

city_years as (
    select
        unit_years.city_code,
        unit_years.year,
        previous_survey.year is not null as has_previous_survey,
        -- the NULL of a missing previous survey is dropped
        {{ joined_distinct_values(['previous_survey.release_id', 'this_survey.release_id'], ',') }}
            as release_ids
    from unit_years
    inner join survey_releases as this_survey on unit_years.year = this_survey.year
    left join survey_releases as previous_survey on unit_years.year - 1 = previous_survey.year
),

entrants as (
    select
        ict_firm_units.city_code,
        ict_firm_units.year,
        count(*) as ict_firms,
        count(*) filter (where previous_survey.panel_id is null) as ict_entrants
    from ict_firm_units
    left join survey_panels as previous_survey
        on
            ict_firm_units.panel_id = previous_survey.panel_id
            and ict_firm_units.year - 1 = previous_survey.year
    group by ict_firm_units.city_code, ict_firm_units.year
),

leavers as (
    select
        ict_firm_units.city_code,
        ict_firm_units.year + 1 as year,
        count(*) as previous_ict_firms,
        count(*) filter (where next_survey.panel_id is null) as ict_exits
    from ict_firm_units
    left join survey_panels as next_survey
        on
            ict_firm_units.panel_id = next_survey.panel_id
            and ict_firm_units.year + 1 = next_survey.year
    group by ict_firm_units.city_code, ict_firm_units.year
)

-- without the survey of t−1 entry and exit are not computable (NULL)
select
    city_years.city_code,
    city_years.year,
    coalesce(entrants.ict_firms, 0) as ict_firms,
    case when city_years.has_previous_survey then coalesce(entrants.ict_entrants, 0) end
        as ict_entrants,
    case when city_years.has_previous_survey then coalesce(leavers.previous_ict_firms, 0) end
        as previous_ict_firms,
    case when city_years.has_previous_survey then coalesce(leavers.ict_exits, 0) end
        as ict_exits,
    city_years.release_ids
from city_years
left join entrants
    on
        city_years.city_code = entrants.city_code
        and city_years.year = entrants.year
left join leavers
    on
        city_years.city_code = leavers.city_code
        and city_years.year = leavers.year
