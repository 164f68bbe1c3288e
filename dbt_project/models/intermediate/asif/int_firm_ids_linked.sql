-- Every surveyed firm_id of the firm panel (docs/schemas.md) with its first and last survey
-- year and, when it re-registers another, the firm_id it continues: a firm_id first seen in
-- year t whose (name, city units, harmonised 2011 class) equals that of a firm_id last seen in
-- t−1 is the same firm re-registered. Only one-to-one matches link, so an ambiguous name
-- never merges two firms. Presence uses every staged row (a firm dropped by cleaning was
-- still in the survey). A table of its own so that int_firm_panel's recursion reads a stored
-- relation (Spark re-plans an inlined CTE on every step of a recursion).
with

survey_rows as (
    select
        year,
        firm_id,
        firm_name,
        vintage,
        classification_code,
        loc6
    from {{ ref('int_firm_years_screened') }}
    where firm_id is not null
),

survey_years as (
    select distinct year from survey_rows
),

presence as (
    select
        firm_id,
        min(year) as first_year,
        max(year) as last_year
    from survey_rows
    group by firm_id
),

classes as (
    select * from {{ ref('int_class_harmonisation') }}
),

location_units as (
    select
        year,
        loc6,
        {{ sorted_list('city_code', ',') }} as city_units
    from {{ ref('int_location_year_units') }}
    where unit_kind = 'unit'
    group by year, loc6
),

-- the only rows a link can use: a firm_id's first year (when the survey of the year before
-- exists) and its last year (when the survey goes on without it)
endpoint_rows as (
    select
        survey_rows.*,
        'newcomer' as side
    from survey_rows
    inner join presence
        on
            survey_rows.firm_id = presence.firm_id
            and survey_rows.year = presence.first_year
    where presence.first_year - 1 in (select survey_years.year from survey_years)
    union all
    select
        survey_rows.*,
        'leaver' as side
    from survey_rows
    inner join presence
        on
            survey_rows.firm_id = presence.firm_id
            and survey_rows.year = presence.last_year
    where presence.last_year + 1 in (select survey_years.year from survey_years)
),

endpoint_attributes as (
    select
        endpoint_rows.firm_id,
        endpoint_rows.year,
        endpoint_rows.side,
        endpoint_rows.firm_name,
        classes.class_2011,
        location_units.city_units
    from endpoint_rows
    left join classes
        on
            endpoint_rows.vintage = classes.vintage
            and endpoint_rows.classification_code = classes.code
    left join location_units
        on
            endpoint_rows.year = location_units.year
            and endpoint_rows.loc6 = location_units.loc6
),

-- an endpoint year with an unusable location code borrows the firm's city units from its
-- nearest year that has them
borrowed_units as (
    select
        endpoint_attributes.firm_id,
        endpoint_attributes.side,
        {{ value_at_first(
            'location_units.city_units',
            ['abs(survey_rows.year - endpoint_attributes.year)', 'survey_rows.year']
        ) | indent(8) }} as city_units
    from endpoint_attributes
    inner join survey_rows on endpoint_attributes.firm_id = survey_rows.firm_id
    inner join location_units
        on
            survey_rows.year = location_units.year
            and survey_rows.loc6 = location_units.loc6
    where endpoint_attributes.city_units is null
    group by endpoint_attributes.firm_id, endpoint_attributes.side
),

link_attributes as (
    select
        endpoint_attributes.firm_id,
        endpoint_attributes.side,
        -- a newcomer is compared with the leavers of the year before
        case
            when endpoint_attributes.side = 'newcomer' then endpoint_attributes.year
            else endpoint_attributes.year + 1
        end as link_year,
        endpoint_attributes.firm_name,
        endpoint_attributes.class_2011,
        coalesce(endpoint_attributes.city_units, borrowed_units.city_units) as city_units
    from endpoint_attributes
    left join borrowed_units
        on
            endpoint_attributes.firm_id = borrowed_units.firm_id
            and endpoint_attributes.side = borrowed_units.side
),

candidate_links as (
    select
        newcomers.firm_id,
        leavers.firm_id as predecessor_firm_id
    from link_attributes as newcomers
    inner join link_attributes as leavers
        on
            newcomers.link_year = leavers.link_year
            and newcomers.firm_name = leavers.firm_name
            and newcomers.city_units = leavers.city_units
            and newcomers.class_2011 = leavers.class_2011
    where newcomers.side = 'newcomer' and leavers.side = 'leaver'
),

links as (
    select
        firm_id,
        predecessor_firm_id
    from candidate_links
    qualify
        count(*) over (partition by firm_id) = 1
        and count(*) over (partition by predecessor_firm_id) = 1
)

select
    presence.firm_id,
    presence.first_year,
    presence.last_year,
    links.predecessor_firm_id
from presence
left join links on presence.firm_id = links.firm_id
