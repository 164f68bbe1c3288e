-- The GVC-sector indicators of docs/marts.md for every sector of the sectors seed, per city
-- unit and year, in the long form of int_city_indicators_asif (breakdown: sector id, or
-- '<sector>:<qualifier>' with an ownership group or a segment after the colon):
--   sector_share_mfg_output       sector gross output / manufacturing 'C'   <sector>
--   fdi_dependency_sector_va      (hmt + foreign) / total value added       <sector>
--                                 hmt / total; foreign / total              <sector>:hmt, :foreign
--   fdi_dependency_sector_output  the same on gross output                  the same
--   export_intensity_sector       export delivery value / gross output      <sector>
--   sector_segment_share          segment / sector gross output             <sector>:<segment>
-- Exact sums of published cells (int_city_sector_cells), the value computed once (ratio).
-- Imputed value added (E): the sector's cells hold some. Disclosure: every cell summed in the
-- numerator or denominator, in the ownerships used, and the complement they reveal (FDI
-- dependency: domestic; a segment share: the sector's other segments). Not for ict: its rows
-- are the ICT ids' own, relabelled in int_city_indicators_unioned.
{%- set fdi_measures = [('va', 'value_added'), ('output', 'gross_output')] %}
{#- per ownership variant: the breakdown's qualifier, the numerator (m = the measure; the
    casts make (37, 15) + (37, 15) exactly (38, 15) on both engines), the cells it reveals -#}
{%- set fdi_variants = [
    ('total', '', 'cast(m_hmt as decimal(37, 15)) + cast(m_foreign as decimal(37, 15))',
     'cells_total, cells_domestic, cells_hmt, cells_foreign'),
    ('hmt', ':hmt', 'm_hmt', 'cells_hmt, cells_total'),
    ('foreign', ':foreign', 'm_foreign', 'cells_foreign, cells_total'),
] %}
with

sector_cells as (
    select * from {{ ref('int_city_sector_cells') }}
),

-- one row per city, year and sector: its sums by ownership, the manufacturing total, and
-- the ids of the cells of each
sector_sums as (
    select
        city_code,
        year,
        sector_id,
        release_ids,
        {%- for measure in ['gross_output', 'value_added'] %}
            {%- for ownership in ['total', 'hmt', 'foreign'] %}
                max({{ measure }}) filter (
                    where part = 'sector' and ownership = '{{ ownership }}'
                ) as {{ measure }}_{{ ownership }},
            {%- endfor %}
        {%- endfor %}
        max(value_added_imputed) filter (
            where part = 'sector' and ownership = 'total'
        ) as value_added_imputed,
        max(export_value) filter (where part = 'sector' and ownership = 'total') as export_value,
        {%- for ownership in ['total', 'domestic', 'hmt', 'foreign'] %}
            max(cell_ids) filter (
                where part = 'sector' and ownership = '{{ ownership }}'
            ) as cells_{{ ownership }},
        {%- endfor %}
        max(gross_output) filter (
            where part = 'manufacturing' and ownership = 'total'
        ) as mfg_gross_output,
        max(cell_ids) filter (where part = 'manufacturing' and ownership = 'total') as mfg_cells,
        {{ sorted_distinct_list(
            "case when part not in ('sector', 'manufacturing') and ownership = 'total'"
            ~ " then cell_ids end",
            ' '
        ) }} as segment_cells
    from sector_cells
    group by city_code, year, sector_id, release_ids
),

-- every indicator row with its exact numerator and denominator and the cells it reveals
indicator_rows as (
    select
        city_code,
        year,
        sector_id,
        release_ids,
        'sector_share_mfg_output' as indicator_id,
        sector_id as breakdown,
        gross_output_total as numerator,
        mfg_gross_output as denominator,
        false as has_imputed_value_added,
        concat_ws(' ', cells_total, mfg_cells) as cells
    from sector_sums
    {%- for suffix, measure in fdi_measures %}
        {%- set imputed = 'value_added_imputed <> 0' if suffix == 'va' else 'false' %}
        {%- for ownership, qualifier, numerator, cells in fdi_variants %}
            union all
            select
                city_code,
                year,
                sector_id,
                release_ids,
                'fdi_dependency_sector_{{ suffix }}' as indicator_id,
                sector_id || '{{ qualifier }}' as breakdown,
                {{ numerator | replace('m_', measure ~ '_') }} as numerator,
                {{ measure }}_total as denominator,
                {{ imputed }} as has_imputed_value_added,
                concat_ws(' ', {{ cells }}) as cells
            from sector_sums
        {%- endfor %}
    {%- endfor %}
    union all
    select
        city_code,
        year,
        sector_id,
        release_ids,
        'export_intensity_sector' as indicator_id,
        sector_id as breakdown,
        export_value as numerator,
        gross_output_total as denominator,
        false as has_imputed_value_added,
        cells_total as cells
    from sector_sums
    union all
    select
        segments.city_code,
        segments.year,
        segments.sector_id,
        segments.release_ids,
        'sector_segment_share' as indicator_id,
        segments.sector_id || ':' || segments.part as breakdown,
        segments.gross_output as numerator,
        sector_sums.gross_output_total as denominator,
        false as has_imputed_value_added,
        concat_ws(' ', sector_sums.segment_cells, sector_sums.cells_total) as cells
    from sector_cells as segments
    inner join sector_sums
        on
            segments.city_code = sector_sums.city_code
            and segments.year = sector_sums.year
            and segments.sector_id = sector_sums.sector_id
    where segments.part not in ('sector', 'manufacturing') and segments.ownership = 'total'
)

select
    indicator_rows.city_code,
    indicator_rows.year,
    indicator_rows.indicator_id,
    indicator_rows.breakdown,
    {{ ratio('indicator_rows.numerator', 'indicator_rows.denominator') }} as value,
    cast(indicator_rows.numerator as decimal(38, 6)) as numerator,
    cast(indicator_rows.denominator as decimal(38, 6)) as denominator,
    indicator_rows.has_imputed_value_added,
    indicator_rows.release_ids,
    {{ space_separated_list('indicator_rows.cells') }} as disclosure_cells
from indicator_rows
-- ict keeps its own definition (the ICT division of each year's vintage), which a set of
-- harmonised cells cannot express (1994 group 418, repair, is ICT but not in division 39):
-- its rows are the ICT ids' (int_city_indicators_unioned)
where indicator_rows.sector_id <> 'ict'
