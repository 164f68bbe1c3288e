{{ config(materialized='view') }}
-- Every data row of every ASIF release in raw.asif (superseded revisions included), typed
-- (money DECIMAL(18,3), thousand yuan) and codes trimmed. A view: the rows are stored once,
-- in raw.asif; stg_asif__firm_years keeps the effective release of each year from it.
select
    release_id,
    source_file,
    source_row,
    period as year,
    nullif(trim(firm_id), '') as firm_id,
    nullif(trim(firm_name), '') as firm_name,
    nullif(trim(location_code), '') as location_code,
    nullif(trim(industry_code), '') as industry_code,
    nullif(trim(registration_type), '') as registration_type,
    founding_year,
    employment,
    cast(gross_output as decimal(18, 3)) as gross_output,
    cast(value_added as decimal(18, 3)) as value_added,
    cast(intermediate_input as decimal(18, 3)) as intermediate_input,
    cast(vat_payable as decimal(18, 3)) as vat_payable,
    cast(sales as decimal(18, 3)) as sales,
    cast(export_value as decimal(18, 3)) as export_value,
    cast(paid_in_capital as decimal(18, 3)) as paid_in_capital,
    cast(capital_state as decimal(18, 3)) as capital_state,
    cast(capital_collective as decimal(18, 3)) as capital_collective,
    cast(capital_legal_person as decimal(18, 3)) as capital_legal_person,
    cast(capital_individual as decimal(18, 3)) as capital_individual,
    cast(capital_hmt as decimal(18, 3)) as capital_hmt,
    cast(capital_foreign as decimal(18, 3)) as capital_foreign
from {{ source('raw', 'asif') }}
