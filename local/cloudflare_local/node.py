"""Where the repo's npm packages live (local/node/node_modules), for tests, demos and the runtime."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

NODE_DIR_ENV = "CLOUDFLARE_LOCAL_NODE_DIR"


def node_dir() -> Path:
    """The directory holding package.json and node_modules (overridable for packaged installs)."""
    override = os.environ.get(NODE_DIR_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "node"


def node_bin(name: str) -> Path | None:
    """An executable from node_modules/.bin, or None when npm packages are not installed."""
    candidate = node_dir() / "node_modules" / ".bin" / name
    return candidate if candidate.exists() else None


def wrangler_bin() -> Path | None:
    """The pinned wrangler CLI (never a global one: its behaviour is what the fidelity tests pin)."""
    return node_bin("wrangler")


def node_executable() -> str | None:
    """The `node` binary on PATH, needed to run anything from node_modules."""
    return shutil.which("node")


def sidecar_script() -> Path:
    """The runtime's Node sidecar (Miniflare hosting every deployed script), under local/node so it resolves
    the pinned packages."""
    return node_dir() / "sidecar" / "sidecar.mjs"


def runtime_missing() -> str | None:
    """Why the runtime cannot start here (what to run to fix it), or None when it can."""
    if node_executable() is None:
        return "node is not on PATH: install Node 20, or start cloudflare-local with --no-runtime"
    if not (node_dir() / "node_modules" / "miniflare" / "package.json").exists():
        return (
            f"the runtime needs the npm packages in {node_dir()}: run `make setup` "
            f"(or `npm ci` in {node_dir()}), or start cloudflare-local with --no-runtime"
        )
    return None


def loopback_guard() -> Path:
    """A Node preload (`--require`) that refuses every socket off loopback: wrangler's npm update check on
    its error path would otherwise try the network."""
    return node_dir() / "loopback_guard.cjs"


def wrangler_env(api_base: str, token: str | None, account_id: str, home: Path) -> dict[str, str]:
    """How the pinned wrangler runs offline against cloudflare-local: its API base and token, a fixed
    account (no account lookup), metrics, error reports and the banner's update check off, an empty HOME (no
    login or config of the user's) and the loopback guard preloaded."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "CLOUDFLARE_API_BASE_URL": api_base,
        "CLOUDFLARE_API_TOKEN": token or "dummy",
        "CLOUDFLARE_ACCOUNT_ID": account_id,
        "WRANGLER_SEND_METRICS": "false",
        "WRANGLER_SEND_ERROR_REPORTS": "false",
        "WRANGLER_HIDE_BANNER": "true",
        "NODE_OPTIONS": f"--require {loopback_guard()}",
        "CI": "true",
        "NO_COLOR": "1",
    }
