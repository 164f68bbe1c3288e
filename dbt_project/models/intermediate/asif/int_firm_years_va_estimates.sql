-- Harmonised ASIF firm-years with a first value added (thousand yuan), from the ASIF alone,
-- and how it was obtained (docs/schemas.md): reported or production-side values as
-- observed (int_firm_years_va_observed); a ratio-imputed firm-year gets, in order:
-- 1. 'panel_vat_share': VAT payable ÷ the firm's last observed VAT/VA share (its panel);
-- 2. 'panel_last_ratio': gross output × the firm's last observed VA/GO ratio;
-- 3. for firms never observed with value added, gross output × the median VA/GO ratio of the
--    first donor key with donors, combined when the firm reports VAT payable with VAT ÷ the
--    median VAT/VA share (geometric mean: the two estimates err independently, so together
--    they err less; suffix '_with_vat'). The donor medians: in the nearest year with
--    observations (ties: the earlier year), of the VA/GO ratio and VAT/VA share of firms with
--    the same city × harmonised division × ownership group, else division × ownership group
--    (all cities), else city × division, else division, else all firms (the first three keys
--    count only with at least var va_imputation_min_donors observed firms that year).
-- int_firm_years_value_added then benchmarks the donor-based estimates (3.) to the yearbooks.
with

observed_firm_years as (
    select * from {{ ref('int_firm_years_va_observed') }}
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
        {{ ranked_values('key_rank', 'ratio_key', [
            "concat_ws('/', city_code, division_2011, ownership_group)",
            "concat_ws('/', division_2011, ownership_group)",
            "concat_ws('/', city_code, division_2011)",
            "division_2011",
            "'all'",
        ]) }}
    from observed_firm_years
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
ranked_medians as (
    select
        imputation_needs.key_rank,
        imputation_needs.ratio_key,
        imputation_needs.year,
        key_medians.median_va_ratio,
        key_medians.median_vat_share,
        row_number() over (
            partition by
                imputation_needs.key_rank, imputation_needs.ratio_key, imputation_needs.year
            order by abs(key_medians.year - imputation_needs.year), key_medians.year
        ) as year_rank
    from imputation_needs
    inner join key_medians
        on
            imputation_needs.key_rank = key_medians.key_rank
            and imputation_needs.ratio_key = key_medians.ratio_key
),

nearest_medians as (
    select
        key_rank,
        ratio_key,
        year,
        median_va_ratio,
        median_vat_share
    from ranked_medians
    where year_rank = 1
),

borrowed_ratios as (
    select
        imputation_keys.year,
        imputation_keys.firm_id,
        {{ value_at_min('nearest_medians.median_va_ratio', 'imputation_keys.key_rank') }}
            as median_va_ratio,
        -- from the same key as the ratio (value_at_min may skip a key without VAT donors)
        {{ value_at_min_keeping_null(
            'nearest_medians.median_vat_share', 'imputation_keys.key_rank'
        ) }} as median_vat_share,
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

-- firm-years that borrow no ratio have no borrowed_ratios row
ratio_inputs as (
    select
        observed_firm_years.*,
        borrowed_ratios.key_rank,
        borrowed_ratios.median_va_ratio,
        borrowed_ratios.median_vat_share,
        coalesce(
            observed_firm_years.reports_vat and borrowed_ratios.median_vat_share is not null,
            false
        ) as borrows_with_vat
    from observed_firm_years
    left join borrowed_ratios
        on
            observed_firm_years.year = borrowed_ratios.year
            and observed_firm_years.firm_id = borrowed_ratios.firm_id
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
                then sqrt(gross_output * median_va_ratio * vat_payable / median_vat_share)
            else gross_output * median_va_ratio
        end as imputed_value_added
    from ratio_inputs
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
    coalesce(observed_value_added, {{ rounded_decimal('imputed_value_added', 18, 3) }})
        as value_added,
    va_method = 'ratio_imputed'
    and not uses_own_vat_share
    and panel_last_va_ratio is null
    and key_rank is not null as is_donor_imputed,
    vat_payable
from imputed
