"""Sample releases: realistic ASIF-like firm microdata and city FDI yearbook tables with ground
truth (docs/catalog.md; see README.md in this folder).

    python -m tools.sample_releases --out DIR [--scale demo|national] [--seed N]
        [--years A-B] [--quirks all|none|LIST] [--bad CASE] [--serve PORT]

Quirks (each on by default; `--quirks none` or a comma-separated LIST of these names):
- column_drift: year-specific column names (Chinese names of docs/schemas.md, pinyin codes in the
  1998-2003 .dta files, English codes in the Parquet year); off: canonical names.
- dta_labels: .dta files carry the printed Chinese names as variable labels.
- gbk_csv: 2002 is a GBK-encoded CSV (off: .dta).
- utf8_csv: 2013 is a UTF-8 CSV (off: .dta).
- parquet_year: 2007 is Parquet (off: .dta).
- admin_recoding: location codes follow the year's GB/T 2260 list (Wujiang 320584 -> 320509 and
  the Gusu merger in 2012, ...); off: the 2010 code in every year.
- invalid_locations: ~0.3% of ASIF rows carry invalid location codes.
- location_12digit: 12-digit location codes from 2004 (6-digit before); off: 6 digits.
- industry_vintage: industry codes in the year's GB/T 4754 vintage (1994 to 2002, 2002 for
  2003-2011, 2011 from 2012; fdi_city 2017 from 2018); off: 2011 codes in every year.
- coverage_rules: who is in the frame follows the year's regime (all SOEs + sales >= 5 million
  yuan to 2006, >= 5 million 2007-2010, >= 20 million from 2011); off: >= 5 million always.
- va_absent: no value added in 2004 and 2008-2013, no intermediate input from 2008.
- duplicates: ~0.2% exact duplicate rows.
- reregistration: ~1.2% of firms re-register under a new firm_id (same name, city, industry).
- bad_outputs: ~0.08% of rows with zero or negative gross output.
- revision: asif 2006 r1 misses 3% of firms (late returns) and r2 completes it; fdi_city 2015
  has a city-level r2 for Dongguan correcting swapped HMT/foreign columns.
- fdi_layouts: fdi_city tables rotate between long CSV (UTF-8, GBK), long xlsx (English
  headers, 千元) and wide xlsx (one sheet per measure, 万元 or 亿元); off: long UTF-8 CSV.
"""

from tools.sample_releases.bad import BAD_CASES
from tools.sample_releases.config import QUIRKS
from tools.sample_releases.generate import Options, generate

__all__ = ["BAD_CASES", "QUIRKS", "Options", "generate"]
