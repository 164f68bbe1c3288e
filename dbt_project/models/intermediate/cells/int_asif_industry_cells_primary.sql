{{ config(materialized='view') }}
-- Primary disclosure status of every ASIF cell (docs/methodology.md, disclosure control): 'C'
-- when fewer than var sdc_min_firms firms contribute, or the two largest contributions are
-- above var sdc_dominance % of the cell's gross output; 'F' otherwise. With the cell's
-- contributions, which secondary suppression (int_asif_industry_cells_disclosure) sums over
-- the groups of int_disclosure_groups. A view: the thresholds in force apply on every read.
select
    year,
    cell_id,
    unit_kind,
    gross_output,
    n_contributors,
    top_contributions,
    {{ sdc_primary_status('n_contributors', array_total('top_contributions'), 'gross_output') }}
        as primary_status
from {{ ref('int_asif_industry_cells') }}
