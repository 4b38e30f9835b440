"""Starts the user's program in a subprocess, as the Python language host starts it, and relays its output.

The program gets the monitor and engine addresses on its command line and the stack config in `PULUMI_CONFIG`
(JSON of namespaced keys, secrets decrypted) with `PULUMI_CONFIG_SECRET_KEYS`, like the language host's
`constructEnv`. Its cwd is the program directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

PROGRAM_TIMEOUT = 600.0


def run_program(
    *,
    program: Path,
    program_dir: Path,
    project: str,
    stack: str,
    monitor_address: str,
    engine_address: str,
    dry_run: bool,
    config: dict[str, str],
    secret_keys: set[str],
    parallel: int,
    env: dict[str, str] | None,
    on_output: Callable[[str], None],
    python: str = sys.executable,
) -> int:
    """Runs the program to completion and returns its exit code; the process is always reaped."""
    proc_env = dict(os.environ if env is None else env)
    proc_env["PULUMI_CONFIG"] = json.dumps(config)
    proc_env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(sorted(secret_keys))
    proc_env["PULUMI_PROJECT"] = project
    proc_env["PULUMI_STACK"] = stack
    proc_env["PULUMI_DRY_RUN"] = "true" if dry_run else "false"
    proc_env["PULUMI_MONITOR"] = monitor_address
    proc_env["PULUMI_ENGINE"] = engine_address
    command = [
        python,
        "-u",
        "-m",
        "pulumi_local._exec",
        f"--monitor={monitor_address}",
        f"--engine={engine_address}",
        f"--project={project}",
        f"--stack={stack}",
        f"--parallel={parallel}",
        f"--dry_run={'true' if dry_run else 'false'}",
        f"--pwd={program_dir}",
        str(program),
    ]
    proc = subprocess.Popen(
        command,
        cwd=program_dir,
        env=proc_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert proc.stdout is not None
    stdout = proc.stdout

    def pump() -> None:
        for raw in iter(stdout.readline, b""):
            on_output(raw.decode(errors="replace").rstrip("\n"))

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        return proc.wait(PROGRAM_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        reader.join(10)
        stdout.close()
