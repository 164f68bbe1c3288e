"""`python -m orchestration.report`: the same as `citygvc report`."""

import sys

from orchestration.report.replication import main

sys.exit(main())
