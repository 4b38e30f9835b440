"""0. The pinned `pulumi` engine built from Go modules (engine/build.py): cold, warm and cached.

- cold: empty module and build caches, everything downloaded and compiled. It takes most of ten minutes and
  3.5 GB of caches, so it is not re-run by `make bench`: the figure is the one recorded in
  results/engine-build-cold.json (how it was measured is written there);
- warm: the Go caches of this machine populated (as after any earlier build), the binaries built anew into
  a temporary folder: what a fresh clone on a used machine pays;
- cached: `engine/build.py` on the project's own `.engine`, which only checks the pins and returns.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import ROOT, Section

RESULTS = Path(__file__).resolve().parent / "results"
BUILD = ROOT / "engine" / "build.py"


def timed_build(out: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(BUILD), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    return time.perf_counter() - started, "" if done.returncode == 0 else done.stdout + done.stderr


def run() -> Section:
    section = Section("The pulumi engine built from Go modules")
    cold = json.loads((RESULTS / "engine-build-cold.json").read_text())
    section.figure("engine_build.cold", f"cold build, recorded once: {cold['what']}", "s", [cold["seconds"]])
    work = Path(tempfile.mkdtemp(prefix="pcw-engine-build-"))
    try:
        warm, error = timed_build(work)
        if error:
            section.errors.append(f"warm build failed: {error}")
        section.figure("engine_build.warm", "warm build (Go caches populated) into a new folder", "s", [warm])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cached, error = timed_build(ROOT / ".engine")
    if error:
        section.errors.append(f"cached build failed: {error}")
    section.figure(
        "engine_build.cached", "`make engine` again: the pins checked, nothing built", "s", [cached]
    )
    section.details = {"cold": cold}
    return section
