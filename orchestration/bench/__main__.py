"""`python -m orchestration.bench` — see orchestration/bench/run.py."""

import sys

from orchestration.bench.run import main

sys.exit(main())
