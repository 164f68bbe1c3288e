-- Harmonised ASIF firm-years with their panel id and final value added (thousand yuan) and
-- how it was obtained (domain/asif.md §1.5): 'reported'; 'production' = gross output −
-- intermediate input + VAT payable when value added is missing; 'ratio_imputed' when
-- intermediate input is missing too = gross output × the firm's last observed VA/GO ratio
-- (through its panel), else the median observed ratio, in the nearest year with
-- observations, of firms like it: same city × harmonised division × ownership group, else
-- division × ownership group (all cities), else city × division, else division, else all
-- firms; the first three keys count only with at least var va_imputation_min_donors
-- observed firms that year.
with

firm_years as (
    select
        harmonised.*,
        panel.panel_id
    from {{ ref('int_firm_years_harmonised') }} as harmonised
    inner join {{ ref('int_firm_panel') }} as panel on harmonised.firm_id = panel.firm_id
),

observed as (
    select
        *,
        case
            when value_added is not null then 'reported'
            when intermediate_input is not null then 'production'
            else 'ratio_imputed'
        end as va_method,
        case
            when value_added is not null then value_added
            when intermediate_input is not null
                then gross_output - intermediate_input + coalesce(vat_payable, 0)
        end as observed_value_added
    from firm_years
),

observed_ratios as (
    select
        *,
        observed_value_added / gross_output as observed_va_ratio
    from observed
),

panel_ratios as (
    select
        *,
        last_value(observed_va_ratio ignore nulls) over (
            partition by panel_id
            order by year
            rows between unbounded preceding and 1 preceding
        ) as panel_last_va_ratio
    from observed_ratios
),

-- the keys a ratio can be borrowed from, most specific first: VA/GO ratios differ by
-- industry and, within it, by ownership (foreign-invested processing plants add less value),
-- more than by city, so ownership is kept before the city is
imputation_keys as (
    select
        year,
        firm_id,
        observed_va_ratio,
        va_method = 'ratio_imputed' and panel_last_va_ratio is null as needs_borrowed_ratio,
        unnest([1, 2, 3, 4, 5]) as key_rank,
        unnest([
            concat_ws('/', city_code, division_2011, ownership_group),
            concat_ws('/', division_2011, ownership_group),
            concat_ws('/', city_code, division_2011),
            division_2011,
            'all'
        ]) as ratio_key
    from panel_ratios
    -- only donors and firms that need a donor ratio
    where
        observed_va_ratio is not null
        or (va_method = 'ratio_imputed' and panel_last_va_ratio is null)
),

-- a median needs enough donors to be better than the broader key's
key_medians as (
    select
        key_rank,
        ratio_key,
        year,
        median(observed_va_ratio) as median_va_ratio
    from imputation_keys
    where observed_va_ratio is not null
    group by key_rank, ratio_key, year
    having count(*) >= {{ var('va_imputation_min_donors') }} or key_rank >= 4
),

imputation_needs as (
    select distinct
        key_rank,
        ratio_key,
        year
    from imputation_keys
    where needs_borrowed_ratio
),

-- per key, the median of the nearest year with observations (ties: the earlier year)
nearest_medians as (
    select
        imputation_needs.key_rank,
        imputation_needs.ratio_key,
        imputation_needs.year,
        key_medians.median_va_ratio
    from imputation_needs
    inner join key_medians
        on
            imputation_needs.key_rank = key_medians.key_rank
            and imputation_needs.ratio_key = key_medians.ratio_key
    qualify row_number() over (
        partition by imputation_needs.key_rank, imputation_needs.ratio_key, imputation_needs.year
        order by abs(key_medians.year - imputation_needs.year), key_medians.year
    ) = 1
),

borrowed_ratios as (
    select
        imputation_keys.year,
        imputation_keys.firm_id,
        arg_min(nearest_medians.median_va_ratio, imputation_keys.key_rank) as median_va_ratio,
        min(imputation_keys.key_rank) as key_rank
    from imputation_keys
    inner join nearest_medians
        on
            imputation_keys.key_rank = nearest_medians.key_rank
            and imputation_keys.ratio_key = nearest_medians.ratio_key
            and imputation_keys.year = nearest_medians.year
    where imputation_keys.needs_borrowed_ratio
    group by imputation_keys.year, imputation_keys.firm_id
),

imputed as (
    select
        panel_ratios.*,
        case
            when panel_ratios.va_method <> 'ratio_imputed' then null
            when panel_ratios.panel_last_va_ratio is not null then 'panel_last_ratio'
            when borrowed_ratios.key_rank = 1 then 'city_division_ownership_median'
            when borrowed_ratios.key_rank = 2 then 'division_ownership_median'
            when borrowed_ratios.key_rank = 3 then 'city_division_median'
            when borrowed_ratios.key_rank = 4 then 'division_median'
            when borrowed_ratios.key_rank = 5 then 'all_firms_median'
        end as va_ratio_source,
        case
            when panel_ratios.va_method = 'ratio_imputed'
                then coalesce(panel_ratios.panel_last_va_ratio, borrowed_ratios.median_va_ratio)
        end as imputed_va_ratio
    from panel_ratios
    left join borrowed_ratios
        on
            panel_ratios.year = borrowed_ratios.year
            and panel_ratios.firm_id = borrowed_ratios.firm_id
)

select
    year,
    firm_id,
    panel_id,
    release_id,
    firm_name,
    vintage,
    industry_code,
    class_2011,
    division_2011,
    is_manufacturing,
    is_ict,
    city_code,
    city_units,
    registration_type,
    ownership_group,
    is_cap25,
    is_sales_20m,
    coverage_regime,
    gross_output,
    export_value,
    employment,
    sales,
    va_method,
    va_ratio_source,
    coalesce(
        observed_value_added,
        cast(round(gross_output * imputed_va_ratio, 3) as decimal(18, 3))
    ) as value_added
from imputed
