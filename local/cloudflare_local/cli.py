"""`cloudflare-local serve ...`: the command line.

The flag names are an interface: `process.CloudflareLocalServer`, the test fixtures and
docs/cloudflare-local.md all pass them, so a rename has to change those too.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from cloudflare_local.server import RuntimeUnavailable, ServerConfig, serve

TOKEN_ENV = "CLOUDFLARE_LOCAL_TOKEN"


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="cloudflare-local", description="A local Cloudflare Workers + Workflows API"
    )
    sub = root.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve the API at http://HOST:PORT/client/v4")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8787, help="0 picks a free port")
    s.add_argument("--data", type=Path, default=None, help="state directory (default: a new temp dir)")
    s.add_argument(
        "--token",
        default=None,
        help=f"require `Authorization: Bearer TOKEN` (or set {TOKEN_ENV}, kept out of ps)",
    )
    s.add_argument(
        "--runtime",
        dest="runtime",
        action="store_true",
        help="run deployed scripts and workflows in workerd (the default; needs local/node's npm packages)",
    )
    s.add_argument(
        "--no-runtime", dest="runtime", action="store_false", help="store scripts only (pure API tests)"
    )
    s.set_defaults(runtime=True)
    s.add_argument("--fault-rate", type=float, default=0.0, help="share of API requests to fail (0-1)")
    s.add_argument("--fault-seed", type=int, default=None, help="seed for reproducible faults")
    s.add_argument("--log-level", default="WARNING")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if not 0 <= args.fault_rate <= 1:
        print("cloudflare-local: --fault-rate must be between 0 and 1", file=sys.stderr)
        return 2
    config = ServerConfig(
        host=args.host,
        port=args.port,
        data_dir=args.data,
        token=args.token or os.environ.get(TOKEN_ENV) or None,
        fault_rate=args.fault_rate,
        fault_seed=args.fault_seed,
        runtime=args.runtime,
    )
    try:
        serve(config)
    except RuntimeUnavailable as exc:
        print(f"cloudflare-local: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
