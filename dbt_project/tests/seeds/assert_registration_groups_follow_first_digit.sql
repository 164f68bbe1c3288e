-- Registration types: first digit 2 = hmt, 3 = foreign (290/390 included), everything else
-- domestic. A published notebook has 2xx and 3xx the wrong way round (docs/schemas.md);
-- any code that breaks the rule is returned.
select
    code,
    ownership_group
from {{ ref('registration_types') }}
where
    ownership_group <> case left(code, 1)
        when '2' then 'hmt'
        when '3' then 'foreign'
        else 'domestic'
    end
