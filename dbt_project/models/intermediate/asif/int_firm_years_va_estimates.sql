-- Harmonised ASIF firm-years with a first value added (thousand yuan), from the ASIF alone,
-- and how it was obtained (docs/schemas.md): reported or production-side values as
-- observed (int_firm_years_va_observed); a ratio-imputed firm-year gets, in order:
-- 1. 'panel_vat_share': VAT payable ÷ the firm's last observed VAT/VA share (its panel);
-- 2. 'panel_last_ratio': gross output × the firm's last observed VA/GO ratio;
-- 3. for firms never observed with value added, gross output × the median VA/GO ratio of the
--    first donor key with donors (int_firm_years_va_donor_ratios), combined when the firm
--    reports VAT payable with VAT ÷ the median VAT/VA share (geometric mean: the two
--    estimates err independently, so together they err less; suffix '_with_vat').
-- int_firm_years_value_added then benchmarks the donor-based estimates (3.) to the yearbooks.
with

donor_ratios as (
    select * from {{ ref('int_firm_years_va_donor_ratios') }}
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
    from donor_ratios
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
