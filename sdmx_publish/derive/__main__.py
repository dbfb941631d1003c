"""``python -m sdmx_publish.derive``: publish a national table classified to ICCS, or the derived SDG series.

    python -m sdmx_publish.derive national examples/knpa/crime_by_region.yaml --store releases
    python -m sdmx_publish.derive regional --store releases --threshold 0.5 [--impute]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .. import config
from ..errors import PublishError
from .regional import DEFAULT_THRESHOLD


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sdmx_publish.derive", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    nat = sub.add_parser("national", help="classify a national table to ICCS and publish it with its coverage report")
    nat.add_argument("config", type=Path, help="national table config (YAML), e.g. examples/knpa/crime_by_region.yaml")
    reg = sub.add_parser("regional", help="derive SDG 16 series from the latest ICCS release, with regional aggregates")
    reg.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                     help="minimum share of a region's population with data (default %(default)s)")
    reg.add_argument("--impute", action="store_true", help="scale counts up to the whole region (flagged I)")
    for s in (nat, reg):
        s.add_argument("--store", default=None, help="release store (default: $SDMX_PUBLISH_STORE or ./releases)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    store = config.store_dir(args.store)
    try:
        if args.command == "national":
            from .coverage import publish_national

            result = publish_national(args.config, store, run={"by": "cli"})
            cov = result.pop("coverage")
            result["coverage"] = {k: cov[k] for k in ("total", "mapped_categories", "not_mapped_categories",
                                                      "share_by_mapping_level", "share_in_sections")}
        else:
            from .regional import publish_regional

            result = publish_regional(store, threshold=args.threshold, impute=args.impute)
    except PublishError as e:
        print(f"error: {e.message()}", file=sys.stderr)
        return e.exit_code
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
