-- docs/quality-gates.md (warning): in overlapping years ASIF and the yearbook tables agree within
-- the
-- stated tolerance (fct_source_reconciliation). Frames and classification vintages differ
-- between the sources, so disagreement is reported, never blocking.
{{ config(severity='warn') }}
select *
from {{ ref('fct_source_reconciliation') }}
where not is_within_tolerance
