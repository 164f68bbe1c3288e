-- Harmonised ASIF firm-years with their panel id and a first value added (thousand yuan),
-- from the ASIF alone, and how it was obtained (domain/asif.md §1.5): 'reported';
-- 'production' = gross output − intermediate input + VAT payable when value added is
-- missing; 'ratio_imputed' when intermediate input is missing too. VAT is levied on sales
-- less purchased inputs, so VAT payable moves with value added, and a firm's own VAT/VA
-- share is steadier than its VA/GO ratio. A ratio-imputed firm-year therefore gets, in order:
-- 1. 'panel_vat_share': VAT payable ÷ the firm's last observed VAT/VA share (its panel);
-- 2. 'panel_last_ratio': gross output × the firm's last observed VA/GO ratio;
-- 3. for firms never observed with value added, the medians, in the nearest year with
--    observations, of firms like it: same city × harmonised division × ownership group, else
--    division × ownership group (all cities), else city × division, else division, else all
--    firms (the first three keys count only with at least var va_imputation_min_donors
--    observed firms that year); gross output × the median VA/GO ratio, combined when the
--    firm reports VAT payable with VAT ÷ the median VAT/VA share (geometric mean: the two
--    estimates err independently, so together they err less; suffix '_with_vat').
-- int_firm_years_value_added then benchmarks the donor-based estimates (3.) to the yearbooks.
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
        observed_value_added / gross_output as observed_va_ratio,
        coalesce(vat_payable > 0, false) as reports_vat,
        -- a share outside (0, 1) says VAT was rebated or misreported that year
        case
            when vat_payable > 0 and vat_payable < observed_value_added
                then vat_payable / observed_value_added
        end as observed_vat_share
    from observed
),

panel_ratios as (
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
),

-- the keys a ratio can be borrowed from, most specific first: VA/GO ratios differ by
-- industry and, within it, by ownership (foreign-invested processing plants add less value),
-- more than by city, so ownership is kept before the city is
imputation_keys as (
    select
        year,
        firm_id,
        observed_va_ratio,
        observed_vat_share,
        needs_borrowed_ratio,
        unnest([1, 2, 3, 4, 5]) as key_rank,
        unnest([
            concat_ws('/', city_code, division_2011, ownership_group),
            concat_ws('/', division_2011, ownership_group),
            concat_ws('/', city_code, division_2011),
            division_2011,
            'all'
        ]) as ratio_key
    from own_ratios
    -- only donors and firms that need a donor ratio
    where observed_va_ratio is not null or needs_borrowed_ratio
),

-- a median needs enough donors to be better than the broader key's
key_medians as (
    select
        key_rank,
        ratio_key,
        year,
        median(observed_va_ratio) as median_va_ratio,
        median(observed_vat_share) as median_vat_share
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
        key_medians.median_va_ratio,
        key_medians.median_vat_share
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
        -- from the same key as the ratio (arg_min would skip a key without VAT donors)
        arg_min_null(nearest_medians.median_vat_share, imputation_keys.key_rank)
            as median_vat_share,
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

imputation_inputs as (
    select
        own_ratios.*,
        borrowed_ratios.key_rank,
        borrowed_ratios.median_va_ratio,
        borrowed_ratios.median_vat_share,
        own_ratios.reports_vat
        and borrowed_ratios.median_vat_share is not null as borrows_with_vat
    from own_ratios
    left join borrowed_ratios
        on
            own_ratios.year = borrowed_ratios.year
            and own_ratios.firm_id = borrowed_ratios.firm_id
),

imputed as (
    select
        *,
        case
            when va_method <> 'ratio_imputed' then null
            when uses_own_vat_share then 'panel_vat_share'
            when panel_last_va_ratio is not null then 'panel_last_ratio'
            when key_rank is not null
                then concat(
                    case key_rank
                        when 1 then 'city_division_ownership_median'
                        when 2 then 'division_ownership_median'
                        when 3 then 'city_division_median'
                        when 4 then 'division_median'
                        when 5 then 'all_firms_median'
                    end,
                    case when borrows_with_vat then '_with_vat' else '' end
                )
        end as va_ratio_source,
        case
            when va_method <> 'ratio_imputed' then null
            when uses_own_vat_share then vat_payable / panel_last_vat_share
            when panel_last_va_ratio is not null then gross_output * panel_last_va_ratio
            when borrows_with_vat
                then sqrt(
                    gross_output * median_va_ratio * vat_payable / median_vat_share
                )
            else gross_output * median_va_ratio
        end as imputed_value_added
    from imputation_inputs
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
        cast(round(imputed_value_added, 3) as decimal(18, 3))
    ) as value_added,
    va_method = 'ratio_imputed'
    and not uses_own_vat_share
    and panel_last_va_ratio is null
    and key_rank is not null as is_donor_imputed,
    vat_payable
from imputed
