"""`cloudflare-local serve` asks for its runtime by default: without the npm packages it stops at once,
saying what to run, rather than serving an account whose scripts never run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cloudflare_local.node import NODE_DIR_ENV


def test_the_runtime_without_its_npm_packages_fails_at_startup_saying_what_to_run(tmp_path: Path) -> None:
    env = {**os.environ, NODE_DIR_ENV: str(tmp_path / "no-node-packages")}
    done = subprocess.run(
        [sys.executable, "-m", "cloudflare_local", "serve", "--port", "0", "--data", str(tmp_path / "data")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "make setup" in done.stderr and "npm ci" in done.stderr and "--no-runtime" in done.stderr
