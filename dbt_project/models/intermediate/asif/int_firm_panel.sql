-- Firm panel (docs/schemas.md): one row per firm_id with the panel it belongs to. Firms are
-- followed by firm_id first; a firm_id that re-registers an earlier one
-- (int_firm_ids_linked) joins that firm's panel, whose id is the chain's first firm_id.
with recursive

firm_ids as (
    select * from {{ ref('int_firm_ids_linked') }}
),

links as (
    select
        firm_id,
        predecessor_firm_id
    from firm_ids
    where predecessor_firm_id is not null
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
    firm_ids.firm_id,
    coalesce(chains.panel_id, firm_ids.firm_id) as panel_id,
    case
        when firm_ids.predecessor_firm_id is null then 'firm_id' else 'name_city_industry'
    end as link_method,
    firm_ids.predecessor_firm_id,
    coalesce(chains.link_depth, 0) as link_depth,
    firm_ids.first_year,
    firm_ids.last_year
from firm_ids
left join chains on firm_ids.firm_id = chains.firm_id
