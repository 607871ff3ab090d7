"""The full soak run in one command: 10,000 changes, 5 endpoints, a 30 s Redis outage.

    .venv/bin/python tests/soak/soak.py [--changes N] [--endpoints N] [--outage S]

It runs tests/soak/test_soak.py with those sizes on the database of ``DATABASE_URL``
(PostgreSQL for a meaningful run) and prints the figures.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--endpoints", type=int, default=5)
    parser.add_argument("--outage", type=float, default=30.0, help="seconds Redis stays down")
    parser.add_argument("--settle-timeout", type=float, default=1800.0)
    options = parser.parse_args()
    os.environ.update(
        SOAK_CHANGES=str(options.changes),
        SOAK_ENDPOINTS=str(options.endpoints),
        SOAK_OUTAGE=str(options.outage),
        SOAK_SETTLE_TIMEOUT=str(options.settle_timeout),
    )
    os.chdir(ROOT)
    command = [sys.executable, "-m", "pytest", "tests/soak/test_soak.py", "-q"]
    os.execv(sys.executable, command)


if __name__ == "__main__":
    sys.exit(main())
