"""`python -m tests.bench [--rows N] [--only NAME ...] [--keep] [--strict]`: print the figures table."""

import argparse
import os
import sys


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated cost file")
    parser.add_argument("--only", nargs="*", help="run only these benchmarks")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep generated files and the pages' database (reused by a --keep run of that size that day)",
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incost_portal.settings")
    import django

    django.setup()
    from tests.bench import run, table

    figures = run(rows=args.rows, only=args.only, keep=args.keep)
    print(table(figures))
    return 1 if args.strict and any(figure.passed is False for figure in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
