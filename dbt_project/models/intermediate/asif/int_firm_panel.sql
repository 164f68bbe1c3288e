-- Firm panel (docs/schemas.md): one row per firm_id with the panel it belongs to. Firms are
-- followed by firm_id first; a firm_id that re-registers an earlier one
-- (int_firm_ids_linked) joins that firm's panel, whose id is the chain's first firm_id.
-- Presence uses every staged row (a firm dropped by cleaning was still in the survey).
with recursive

presence as (
    select
        firm_id,
        min(year) as first_year,
        max(year) as last_year
    from {{ ref('int_firm_years_screened') }}
    where firm_id is not null
    group by firm_id
),

links as (
    select * from {{ ref('int_firm_ids_linked') }}
),

-- follow each chain of re-registrations from its first firm_id; the recursion walks the links
-- only, as firms that never re-registered are their own panel
chains (firm_id, panel_id, link_depth) as (
    select distinct
        links.predecessor_firm_id as firm_id,
        links.predecessor_firm_id as panel_id,
        0 as link_depth
    from links
    where links.predecessor_firm_id not in (select continued.firm_id from links as continued)
    union all
    select
        links.firm_id,
        chains.panel_id,
        chains.link_depth + 1 as link_depth
    from links
    inner join chains on links.predecessor_firm_id = chains.firm_id
)

select
    presence.firm_id,
    coalesce(chains.panel_id, presence.firm_id) as panel_id,
    case when links.firm_id is null then 'firm_id' else 'name_city_industry' end as link_method,
    links.predecessor_firm_id,
    coalesce(chains.link_depth, 0) as link_depth,
    presence.first_year,
    presence.last_year
from presence
left join chains on presence.firm_id = chains.firm_id
left join links on presence.firm_id = links.firm_id
