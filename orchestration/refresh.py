"""`python -m orchestration.refresh [--retry …] [--rollback]`: the same as `citygvc refresh`."""

import sys

from orchestration.cli import main

if __name__ == "__main__":
    sys.exit(main(["refresh", *sys.argv[1:]]))
