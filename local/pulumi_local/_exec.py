"""Runs a Pulumi Python program the way the Python language host does (its `pulumi-language-python-exec`).

Started as `python -u -m pulumi_local._exec --monitor ... --engine ... PROGRAM`, with the config in
`PULUMI_CONFIG`/`PULUMI_CONFIG_SECRET_KEYS`. It sets the config, configures the runtime's Settings, changes to
the program directory and runs the program with `run_in_stack(runpy.run_path(PROGRAM, run_name="__main__"))`:
the same steps, in the same order, as pulumi/pulumi's sdk/python/cmd/pulumi-language-python-exec.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import runpy
import sys
import traceback


def main(argv: list[str] | None = None) -> int:
    import pulumi
    import pulumi.runtime

    ap = argparse.ArgumentParser(description="Execute a Pulumi Python program")
    ap.add_argument("--project")
    ap.add_argument("--stack")
    ap.add_argument("--parallel", default="0")
    ap.add_argument("--dry_run")
    ap.add_argument("--pwd")
    ap.add_argument("--monitor")
    ap.add_argument("--engine")
    ap.add_argument("--organization", default=None)
    ap.add_argument("PROGRAM")
    ap.add_argument("ARGS", nargs="*")
    args = ap.parse_args(argv)

    pulumi.runtime.set_all_config(
        pulumi.runtime.get_config_env(), pulumi.runtime.get_config_secret_keys_env()
    )
    pulumi.runtime.configure(
        pulumi.runtime.Settings(
            monitor=args.monitor,
            engine=args.engine,
            project=args.project,
            stack=args.stack,
            parallel=int(args.parallel),
            dry_run=args.dry_run == "true",
            organization=args.organization,
            root_directory=args.pwd,
        )
    )

    sys.argv = [args.PROGRAM, *args.ARGS]
    if args.pwd is not None:
        os.chdir(args.pwd)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # As the language host does: asyncio complains about futures left unobserved when a program fails.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    successful = False

    def run_main() -> None:
        runpy.run_path(args.PROGRAM, run_name="__main__")

    try:
        coro = pulumi.runtime.run_in_stack(run_main)
        loop.run_until_complete(coro)
        successful = True
    except pulumi.RunError as exc:
        pulumi.log.error(str(exc))
    except Exception:
        pulumi.log.error("Program failed with an unhandled exception:")
        pulumi.log.error(traceback.format_exc())
    finally:
        loop.close()
        sys.stdout.flush()
        sys.stderr.flush()
    return 0 if successful else 1


if __name__ == "__main__":
    sys.exit(main())
