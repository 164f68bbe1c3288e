-- The floor of `make bench` (tools/bench/floor.py): ONE DuckDB statement computing the bench
-- indicators from the raw ASIF rows (`asif`), the yearbook cells (`fdi`) and the seeds (as text).
-- A str.format template: {{MIN_DONORS}}, {{BENCHMARK_ROUNDING}}, {{BENCHMARK_MAX_FACTOR}} are filled in
-- by floor.py, and doubled braces are literal ones.
with recursive
vintages as (
    select dataset, cast(year_from as integer) as year_from, cast(year_to as integer) as year_to,
        vintage
    from classification_vintages
),
crosswalk_classes as (
    select from_vintage, from_code, to_code, cast(weight as decimal(18, 12)) as weight
    from industry_crosswalk where from_level = 'class'
),
-- 1994 has no official four-digit list: its codes count by official group, each group
-- through its concordance to 2002 classes and their 2002 -> 2011 weights (exact DECIMALs)
class_crosswalk as (
    select * from crosswalk_classes
    union all
    select '1994', c.group_1994, x.to_code,
        cast(sum(cast(c.weight as decimal(18, 12)) * x.weight) as decimal(18, 12))
    from industry_concordance_1994 as c
    inner join crosswalk_classes as x on x.from_vintage = '2002' and x.from_code = c.code_2002
    group by all
),
industry_classes as (
    select vintage, code, division, is_manufacturing = 'true' as is_manufacturing,
        is_ict = 'true' as is_ict
    from industry_codes where level = 'class'
    union all
    select '1994', group_code, division_code, section = 'C', division_code = '41'
    from gbt4754_1994_groups
),
primary_classes as (
    select from_vintage, from_code, arg_min(to_code, (-weight, to_code)) as class_2011
    from class_crosswalk group by all
),
-- fdi_city: printed labels mapped, thousand yuan (the ASIF value added is benchmarked to
-- these cells, the indicators crosswalk them)
labels as (
    select field, lower(trim(raw_value)) as label, canonical,
        cast(nullif(to_thousand_yuan, '') as double) as factor
    from fdi_value_map
),
cells as (
    select f.city_code, f.year, v.vintage,
        coalesce(case
            when regexp_full_match(trim(f.industry_code), '[0-9]{{1,2}}')
                then lpad(trim(f.industry_code), 2, '0')
            else upper(nullif(trim(f.industry_code), '')) end, n.division_code) as printed,
        o.canonical as ownership, m.canonical as measure, f.value * u.factor as value
    from fdi as f
    left join vintages as v on v.dataset = 'fdi_city' and f.year between v.year_from and v.year_to
    left join fdi_division_names as n
        on n.vintage = v.vintage and trim(n.name_printed) = nullif(trim(f.industry_name), '')
    left join labels as o on o.field = 'ownership' and o.label = lower(trim(f.ownership))
    left join labels as m on m.field = 'measure' and m.label = lower(trim(f.measure))
    left join labels as u on u.field = 'unit' and u.label = lower(trim(f.unit))
),
-- ASIF: exact duplicates once; codes trimmed; 6-digit county unit
staged as (
    select distinct
        year,
        nullif(trim(firm_id), '') as firm_id,
        nullif(trim(firm_name), '') as firm_name,
        nullif(trim(location_code), '') as location_code,
        nullif(trim(industry_code), '') as industry_code,
        nullif(trim(registration_type), '') as registration_type,
        round(founding_year) as founding_year, round(employment) as employment,
        gross_output, value_added, intermediate_input, vat_payable, sales, export_value,
        paid_in_capital, capital_state, capital_collective, capital_legal_person,
        capital_individual, capital_hmt, capital_foreign
    from asif
),
-- the code a firm-year is classified on: its industry code, in 1994 its group (3 digits)
coded as (
    select staged.*, vintages.vintage,
        case when vintages.vintage = '1994' then left(staged.industry_code, 3)
            else staged.industry_code end as classification_code
    from staged
    left join vintages on vintages.dataset = 'asif'
        and staged.year between vintages.year_from and vintages.year_to
),
attributed as (
    select
        coded.*,
        case when regexp_full_match(location_code, '[0-9]{{6}}|[0-9]{{12}}')
            then left(location_code, 6) end as loc6,
        classes.division is not null as known_class,
        classes.is_manufacturing,
        classes.is_ict,
        registration_types.ownership_group,
        primary_classes.class_2011
    from coded
    left join industry_classes as classes
        on classes.vintage = coded.vintage and classes.code = coded.classification_code
    left join registration_types on registration_types.code = coded.registration_type
    left join primary_classes on primary_classes.from_vintage = coded.vintage
        and primary_classes.from_code = coded.classification_code
),
candidate_units as (
    select a.year, a.firm_id, m.city_code,
        greatest(coalesce(cast(nullif(m.valid_from, '') as integer), 0) - a.year,
                 a.year - coalesce(cast(nullif(m.valid_to, '') as integer), 9999), 0) as outside
    from attributed as a
    inner join admin_code_map as m on a.loc6 = m.admin_code
    where a.firm_id is not null
),
units as (
    select u.year, u.firm_id, u.city_code,
        row_number() over (partition by u.year, u.firm_id
            order by (c.level = 'county_city') desc, u.city_code) = 1 as is_primary
    from candidate_units as u
    left join cities as c on u.city_code = c.city_code
    qualify u.outside = min(u.outside) over (partition by u.year, u.firm_id)
),
unit_lists as (
    -- list_sort + array_to_string: an ordered string_agg is ~3x slower on millions of groups
    select year, firm_id, array_to_string(list_sort(list(city_code)), ',') as city_units,
        max(city_code) filter (where is_primary) as city_code
    from units group by all
),
-- firm panel: one-to-one re-registration links (name, city units, 2011 class; t-1 -> t)
link_attributes as (
    select a.year, a.firm_id, a.firm_name, a.class_2011,
        coalesce(l.city_units,
            last_value(l.city_units ignore nulls) over (partition by a.firm_id order by a.year
                rows between unbounded preceding and current row),
            first_value(l.city_units ignore nulls) over (partition by a.firm_id order by a.year
                rows between current row and unbounded following)) as city_units,
        min(a.year) over (partition by a.firm_id) as first_year,
        max(a.year) over (partition by a.firm_id) as last_year
    from attributed as a
    left join unit_lists as l on a.year = l.year and a.firm_id = l.firm_id
    where a.firm_id is not null
),
links as (
    select n.firm_id, p.firm_id as predecessor
    from link_attributes as n
    inner join link_attributes as p
        on n.year = p.last_year + 1 and p.year = p.last_year
        and n.firm_name = p.firm_name and n.city_units = p.city_units
        and n.class_2011 = p.class_2011
    where n.year = n.first_year
        and n.year in (select distinct year from attributed where firm_id is not null)
    qualify count(*) over (partition by n.firm_id) = 1
        and count(*) over (partition by p.firm_id) = 1
),
chains (firm_id, panel_id) as (
    select distinct firm_id, firm_id from link_attributes
    where firm_id not in (select firm_id from links)
    union all
    select links.firm_id, chains.panel_id
    from links inner join chains on links.predecessor = chains.firm_id
),
kept as (
    select a.*, left(a.class_2011, 2) as division_2011, l.city_code, chains.panel_id,
        coalesce(a.value_added, a.gross_output - a.intermediate_input
            + coalesce(a.vat_payable, 0)) as observed
    from attributed as a
    inner join unit_lists as l on a.year = l.year and a.firm_id = l.firm_id
    inner join chains on a.firm_id = chains.firm_id
    where a.gross_output > 0 and a.known_class and a.ownership_group is not null
        and a.class_2011 is not null
),
shares as (
    select *, observed / gross_output as ratio, coalesce(vat_payable > 0, false) as has_vat,
        case when vat_payable > 0 and vat_payable < observed then vat_payable / observed
        end as vat_share
    from kept
),
ratios as (
    select *,
        last_value(ratio ignore nulls) over (partition by panel_id
            order by year rows between unbounded preceding and 1 preceding) as panel_last,
        last_value(vat_share ignore nulls) over (partition by panel_id
            order by year rows between unbounded preceding and 1 preceding) as panel_share
    from shares
),
keyed as (
    select year, firm_id, ratio, vat_share,
        observed is null and panel_last is null
            and not (has_vat and panel_share is not null) as needs,
        unnest([1, 2, 3, 4, 5]) as key_rank,
        unnest([city_code || '/' || division_2011 || '/' || ownership_group,
                division_2011 || '/' || ownership_group, city_code || '/' || division_2011,
                division_2011, 'all']) as ratio_key
    from ratios
    where ratio is not null or (observed is null and panel_last is null
        and not (has_vat and panel_share is not null))
),
medians as (
    select key_rank, ratio_key, year, median(ratio) as median_ratio,
        median(vat_share) as median_share
    from keyed where ratio is not null group by all
    having count(*) >= {MIN_DONORS} or key_rank >= 4
),
nearest as (
    select w.key_rank, w.ratio_key, w.year, m.median_ratio, m.median_share
    from (select distinct key_rank, ratio_key, year from keyed where needs) as w
    inner join medians as m on w.key_rank = m.key_rank and w.ratio_key = m.ratio_key
    qualify row_number() over (partition by w.key_rank, w.ratio_key, w.year
        order by abs(m.year - w.year), m.year) = 1
),
borrowed as (
    select k.year, k.firm_id, arg_min(n.median_ratio, k.key_rank) as median_ratio,
        arg_min_null(n.median_share, k.key_rank) as median_share
    from keyed as k
    inner join nearest as n
        on k.key_rank = n.key_rank and k.ratio_key = n.ratio_key and k.year = n.year
    where k.needs group by all
),
estimates as (
    select r.year, r.firm_id, r.panel_id, r.city_code, r.vintage, r.industry_code,
        r.classification_code,
        r.is_manufacturing, r.is_ict, r.ownership_group, r.gross_output, r.export_value,
        r.vat_payable,
        r.observed is null and r.panel_last is null
            and not (r.has_vat and r.panel_share is not null)
            and b.median_ratio is not null as donor,
        coalesce(r.observed, round(case
            when r.has_vat and r.panel_share is not null then r.vat_payable / r.panel_share
            when r.panel_last is not null then r.gross_output * r.panel_last
            when r.has_vat and b.median_share is not null
                then sqrt(r.gross_output * b.median_ratio * r.vat_payable / b.median_share)
            else r.gross_output * b.median_ratio end, 3)) as value_added
    from ratios as r
    left join borrowed as b on r.year = b.year and r.firm_id = b.firm_id
),
-- yearbook benchmark of the donor-based values: per own unit x year x printed division x
-- ownership, a cell whose ASIF gross output is the printed one (within its rounding) has the
-- printed value added less the firm-by-firm known value added left for the donor-imputed
asif_cells as (
    select year, city_code, vintage, left(industry_code, 2) as division, ownership_group,
        sum(gross_output) as gross_output,
        coalesce(sum(value_added) filter (where not donor), 0) as known,
        sum(value_added) filter (where donor) as donor_sum
    from estimates
    where city_code is not null and industry_code is not null
    group by all
    having bool_or(donor)
),
printed_cells as (
    -- DECIMAL(28, 4) as in the warehouse: the tolerances compare the same numbers
    select year, city_code, vintage, printed as division, ownership as ownership_group,
        max(cast(value as decimal(28, 4))) filter (where measure = 'gross_output')
            as gross_output,
        max(cast(value as decimal(28, 4))) filter (where measure = 'value_added')
            as value_added
    from cells
    where ownership in ('domestic', 'hmt', 'foreign') and printed <> 'C'
    group by all
),
unit_cells as (
    -- a county-level city's firms are its own unit: out of its parent's printed values
    select p.year, p.city_code, p.vintage, p.division, p.ownership_group,
        p.gross_output - coalesce(sum(c.gross_output), 0) as gross_output,
        p.value_added - coalesce(sum(c.value_added), 0) as value_added
    from printed_cells as p
    left join cities as k on k.level = 'county_city' and k.parent_code = p.city_code
    left join printed_cells as c
        on c.city_code = k.city_code and c.year = p.year and c.vintage = p.vintage
        and c.division = p.division and c.ownership_group = p.ownership_group
    group by p.year, p.city_code, p.vintage, p.division, p.ownership_group, p.gross_output,
        p.value_added
),
benchmarks as (
    -- same firms, donor estimates large enough for the printed rounding to be noise, and a
    -- plausible factor: else the two sources do not describe the same value added
    select a.year, a.city_code, a.vintage, a.division, a.ownership_group,
        cast(u.value_added - a.known as double) as residual,
        cast(a.donor_sum as double) as donor_sum
    from asif_cells as a
    inner join unit_cells as u
        on a.year = u.year and a.city_code = u.city_code and a.vintage = u.vintage
        and a.division = u.division and a.ownership_group = u.ownership_group
    where abs(a.gross_output - u.gross_output) <= {BENCHMARK_ROUNDING}
        and a.donor_sum >= 100 * {BENCHMARK_ROUNDING}
        and u.value_added - a.known
            between a.donor_sum / {BENCHMARK_MAX_FACTOR} and a.donor_sum * {BENCHMARK_MAX_FACTOR}
),
benchmarked as (
    -- the residual shared in proportion to the donor estimates (estimate x residual first)
    select e.*, round(e.value_added * b.residual / b.donor_sum, 3) as benchmarked
    from estimates as e
    left join benchmarks as b
        on e.donor and e.year = b.year and e.city_code = b.city_code
        and e.vintage = b.vintage and left(e.industry_code, 2) = b.division
        and e.ownership_group = b.ownership_group
),
-- a firm's VAT/VA share is steady: donor-imputed years that report VAT but are not
-- benchmarked take the share of the panel's nearest benchmarked other year (ties: earlier)
benchmark_shares as (
    select panel_id, year, vat_payable / benchmarked as vat_share
    from benchmarked
    where vat_payable > 0 and vat_payable < benchmarked
),
nearest_shares as (
    select b.year, b.firm_id,
        arg_min(s.vat_share, (abs(s.year - b.year), s.year)) as vat_share
    from benchmarked as b
    inner join benchmark_shares as s on b.panel_id = s.panel_id and b.year <> s.year
    where b.donor and b.benchmarked is null and b.vat_payable > 0
    group by all
),
firm_values as (
    select b.* exclude (value_added, benchmarked),
        coalesce(b.benchmarked, round(b.vat_payable / n.vat_share, 3), b.value_added)
            as value_added
    from benchmarked as b
    left join nearest_shares as n on b.year = n.year and b.firm_id = n.firm_id
),
in_units as (
    select units.city_code, f.* exclude (city_code)
    from firm_values as f
    inner join units on f.year = units.year and f.firm_id = units.firm_id
),
asif_totals as (
    select city_code, year,
        coalesce(sum(gross_output) filter (where is_manufacturing), 0) as mfg_go,
        coalesce(sum(gross_output) filter (where is_ict), 0) as ict_go,
        coalesce(sum(value_added) filter (where is_ict), 0) as ict_va,
        coalesce(sum(value_added) filter (where is_ict and ownership_group in ('hmt', 'foreign')),
            0) as ict_va_fie,
        sum(export_value) filter (where is_ict) as ict_export
    from in_units group by all
),
segment_output as (
    select u.city_code, u.year, s.segment, sum(u.gross_output * x.weight) as output
    from in_units as u
    inner join class_crosswalk as x
        on x.from_vintage = u.vintage and x.from_code = u.classification_code
    inner join ict_segment_map as s on s.code_2011 = x.to_code
    group by all
),
asif_indicators as (
    select city_code, year, 'ict_share_mfg_output' as indicator_id, 'total' as breakdown,
        ict_go as num, mfg_go as den
    from asif_totals
    union all
    select city_code, year, 'fdi_dependency_ict_va', 'total', ict_va_fie, ict_va from asif_totals
    union all
    select city_code, year, 'export_intensity_ict', 'total', ict_export, ict_go from asif_totals
    union all
    select t.city_code, t.year, 'ict_segment_share', s.segment, coalesce(o.output, 0), t.ict_go
    from asif_totals as t
    cross join (select distinct segment from ict_segment_map) as s
    left join segment_output as o
        on t.city_code = o.city_code and t.year = o.year and s.segment = o.segment
),
-- fdi_city: divisions crosswalked to 2011
harmonised as (
    select c.city_code, c.year, coalesce(x.to_code, c.printed) as division, c.ownership,
        c.measure, bool_or(coalesce(d.is_ict = 'true', false)) as is_ict,
        sum(c.value * coalesce(cast(x.weight as double), 1)) as value
    from cells as c
    left join industry_crosswalk as x on x.from_level = 'division'
        and x.from_vintage = c.vintage and x.from_code = c.printed
    left join industry_codes as d on d.level = 'division'
        and d.vintage = c.vintage and d.code = c.printed
    where c.value is not null
    group by all
),
fdi_totals as (
    select city_code, year,
        sum(value) filter (where division = 'C' and ownership = 'total'
            and measure = 'gross_output') as mfg_go,
        sum(value) filter (where is_ict and ownership = 'total' and measure = 'gross_output')
            as ict_go,
        sum(value) filter (where is_ict and ownership = 'total' and measure = 'value_added')
            as ict_va,
        sum(value) filter (where is_ict and ownership = 'hmt' and measure = 'value_added')
            as va_hmt,
        sum(value) filter (where is_ict and ownership = 'foreign' and measure = 'value_added')
            as va_foreign,
        sum(value) filter (where is_ict and ownership = 'fie' and measure = 'value_added')
            as va_fie
    from harmonised group by all
),
all_indicators as (
    select *, 'asif' as source from asif_indicators
    union all
    select city_code, year, 'ict_share_mfg_output', 'total', ict_go, mfg_go, 'fdi_city'
    from fdi_totals
    union all
    select city_code, year, 'fdi_dependency_ict_va', 'total',
        coalesce(va_hmt + va_foreign, va_fie), ict_va, 'fdi_city'
    from fdi_totals
)
select city_code, cast(year as integer) as year, indicator_id, breakdown, source,
    case when den is null or den = 0 then null else cast(num as double) / cast(den as double)
    end as value
from all_indicators
order by city_code, year, indicator_id, breakdown, source
