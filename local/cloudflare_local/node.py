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
