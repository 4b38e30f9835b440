"""Where the built engine lives, and the environment that runs it offline."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_ENGINE_DIR = REPO / ".engine" / "bin"
ENGINE_DIR_VAR = "PULUMI_OFFLINE_ENGINE_DIR"  # overrides DEFAULT_ENGINE_DIR (a build elsewhere)


class EngineMissingError(RuntimeError):
    """The engine has not been built: `make engine` (or any `make` target that runs it) builds it."""


def engine_bin_dir() -> Path:
    """The folder holding `pulumi`, its Python language host and the two scripts the engine runs."""
    bin_dir = Path(os.environ.get(ENGINE_DIR_VAR) or DEFAULT_ENGINE_DIR)
    if not (bin_dir / "pulumi").exists():
        raise EngineMissingError(
            f"no pulumi engine in {bin_dir}: run `make engine` "
            "(it builds the pinned CLI from Go modules, once)"
        )
    return bin_dir


@functools.cache
def engine_version() -> str:
    """`pulumi version` of the built engine (`v3.274.1`)."""
    done = subprocess.run(
        [str(engine_bin_dir() / "pulumi"), "version"], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


def offline_env(
    backend: Path, base: Mapping[str, str] | None = None, passphrase: str = "offline"
) -> dict[str, str]:
    """The environment for one backend folder (`file://`), on top of `base` (default: this process's).

    Only a sandbox needs these: the backend and passphrase replace a Pulumi Cloud login, the update check and
    plugin acquisition would reach for the network, and `PULUMI_PYTHON_CMD` makes the language host and the
    dynamic-provider shim use the Python that has this project installed. The engine's folder comes first on
    PATH, where the engine looks for its language host and the `pulumi-python` plugin.
    """
    env = dict(os.environ if base is None else base)
    backend.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "PATH": os.pathsep.join(
                [str(engine_bin_dir()), str(Path(sys.executable).parent), env.get("PATH", "")]
            ),
            "PULUMI_BACKEND_URL": f"file://{backend}",
            "PULUMI_HOME": str(backend / ".pulumi-home"),
            "PULUMI_CONFIG_PASSPHRASE": env.get("PULUMI_CONFIG_PASSPHRASE", passphrase),
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PULUMI_PYTHON_CMD": sys.executable,
        }
    )
    return env
