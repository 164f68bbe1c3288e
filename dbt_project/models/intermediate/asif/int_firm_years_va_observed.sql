{{ config(materialized='incremental', incremental_strategy='delete+insert', unique_key='year') }}
-- Harmonised ASIF firm-years with their panel id and what the ASIF itself says about value
-- added (thousand yuan, docs/schemas.md): 'reported'; 'production' = gross output −
-- intermediate input + VAT payable when value added is missing; 'ratio_imputed' when
-- intermediate input is missing too. With the firm's own ratios: its observed VA/GO ratio
-- and VAT/VA share (VAT is levied on sales less purchased inputs, so VAT payable moves with
-- value added, and a firm's own VAT/VA share is steadier than its VA/GO ratio), the last of
-- each observed in an earlier year of its panel, and whether a ratio-imputed firm-year can
-- use its own history or needs a ratio borrowed from like firms
-- (int_firm_years_va_donor_ratios).
-- Incremental by year: a year's rows read its own harmonised rows and, through the panel, the
-- ratios of any earlier year, so its input key is its harmonised build and the digest of what
-- it reads from the panel (panel ids and last ratios), computed every run on narrow rows.
with

harmonised as (
    select * from {{ ref('int_firm_years_harmonised') }}
),

panels as (
    select
        firm_id,
        panel_id
    from {{ ref('int_firm_panel') }}
),

-- every year, only the columns the panel history needs (the windows sort narrow rows)
observed as (
    select
        harmonised.year,
        harmonised.firm_id,
        panels.panel_id,
        case
            when harmonised.value_added is not null then 'reported'
            when harmonised.intermediate_input is not null then 'production'
            else 'ratio_imputed'
        end as va_method,
        case
            when harmonised.value_added is not null then harmonised.value_added
            when harmonised.intermediate_input is not null
                then
                    harmonised.gross_output
                    - harmonised.intermediate_input
                    + coalesce(harmonised.vat_payable, 0)
        end as observed_value_added,
        harmonised.gross_output,
        harmonised.vat_payable
    from harmonised
    inner join panels on harmonised.firm_id = panels.firm_id
),

observed_ratios as (
    select
        year,
        firm_id,
        panel_id,
        va_method,
        observed_value_added,
        observed_value_added / gross_output as observed_va_ratio,
        coalesce(vat_payable > 0, false) as reports_vat,
        -- a share outside (0, 1) says VAT was rebated or misreported that year
        case
            when vat_payable > 0 and vat_payable < observed_value_added
                then vat_payable / observed_value_added
        end as observed_vat_share
    from observed
),

panel_ratios as materialized (
    select
        *,
        last_value(observed_va_ratio ignore nulls) over (
            partition by panel_id
            order by year
            rows between unbounded preceding and 1 preceding
        ) as panel_last_va_ratio,
        last_value(observed_vat_share ignore nulls) over (
            partition by panel_id
            order by year
            rows between unbounded preceding and 1 preceding
        ) as panel_last_vat_share
    from observed_ratios
),

harmonised_builds as (
    select distinct
        year,
        built_from
    from harmonised
),

panel_digests as (
    select
        year,
        {{ rows_digest([
            'firm_id', 'panel_id', 'panel_last_va_ratio', 'panel_last_vat_share'
        ]) }} as digest
    from panel_ratios
    group by year
),

year_inputs as (
    select
        harmonised_builds.year,
        md5(concat_ws(':', harmonised_builds.built_from, panel_digests.digest)) as input_key
    from harmonised_builds
    left join panel_digests on harmonised_builds.year = panel_digests.year
),

years_to_build as (
    {{ years_to_build('year_inputs') | indent(4) }}
),

own_ratios as (
    select
        *,
        va_method = 'ratio_imputed'
        and reports_vat
        and panel_last_vat_share is not null as uses_own_vat_share,
        va_method = 'ratio_imputed'
        and panel_last_va_ratio is null
        and not (reports_vat and panel_last_vat_share is not null) as needs_borrowed_ratio
    from panel_ratios
    where year in (select years_to_build.year from years_to_build)
)

select
    harmonised.* replace (years_to_build.built_from as built_from),
    own_ratios.panel_id,
    own_ratios.va_method,
    own_ratios.observed_value_added,
    own_ratios.observed_va_ratio,
    own_ratios.reports_vat,
    own_ratios.observed_vat_share,
    own_ratios.panel_last_va_ratio,
    own_ratios.panel_last_vat_share,
    own_ratios.uses_own_vat_share,
    own_ratios.needs_borrowed_ratio
from harmonised
inner join years_to_build on harmonised.year = years_to_build.year
inner join own_ratios
    on
        harmonised.year = own_ratios.year
        and harmonised.firm_id = own_ratios.firm_id
