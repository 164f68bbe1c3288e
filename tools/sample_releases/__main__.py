"""CLI of the sample-release generator (docs/catalog.md)."""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import sys
from pathlib import Path

from tools.sample_releases import config
from tools.sample_releases.bad import BAD_CASES
from tools.sample_releases.generate import Options, generate, stamp_matches


def _years(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    lo, hi = int(first), int(last or first)
    if lo > hi:
        raise argparse.ArgumentTypeError(f"empty year range {text!r}")
    return lo, hi


def _quirks(text: str) -> frozenset[str]:
    if text == "all":
        return frozenset(config.QUIRKS)
    if text == "none":
        return frozenset()
    names = frozenset(n.strip() for n in text.split(",") if n.strip())
    unknown = names - set(config.QUIRKS)
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown quirks {sorted(unknown)}; known: {', '.join(config.QUIRKS)}"
        )
    return names


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.sample_releases",
        description="Write a sample release catalog (ASIF-like microdata, city FDI tables) "
        "with ground truth.",
    )
    parser.add_argument("--out", type=Path, required=True, help="catalog root to write")
    parser.add_argument("--scale", choices=("demo", "national"), default="demo")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--years",
        type=_years,
        default=(config.ASIF_YEARS[0], config.FDI_YEARS[-1]),
        help="A-B: only releases of these years (default 1998-2020)",
    )
    parser.add_argument(
        "--quirks",
        type=_quirks,
        default=frozenset(config.QUIRKS),
        help=f"all | none | comma-separated: {', '.join(config.QUIRKS)}",
    )
    parser.add_argument("--bad", choices=sorted(BAD_CASES), help="add one bad release")
    parser.add_argument(
        "--serve",
        type=int,
        metavar="PORT",
        help="serve --out over HTTP on 127.0.0.1 (0 = a free port)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    options = Options(
        scale=args.scale, seed=args.seed, years=args.years, quirks=args.quirks, bad=args.bad
    )
    if args.serve is None or not stamp_matches(args.out, options):
        generate(args.out, options)
    if args.serve is None:
        return
    handler = functools.partial(_QuietHandler, directory=str(args.out))
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.serve), handler) as server:
        host, port = server.server_address[:2]
        print(f"http://{host}:{port}/", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        sys.stderr.write(f"[sample_releases] {self.address_string()} {format % args}\n")


if __name__ == "__main__":
    main()
