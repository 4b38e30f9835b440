"""A Worker's ``entrypoint``, read or bundled with esbuild while the program runs.

Bundling at program time means a pull request's ``pulumi preview`` sees the script the ``up`` would upload:
an edit of any imported module shows as a change of the Worker's ``script``, and an unchanged checkout shows
none.

When: a ``.ts``/``.mts`` entrypoint always; a ``.js``/``.mjs`` one only when it imports something other than
``cloudflare:*`` or ``node:*`` (the project's JavaScript reader, :func:`~pulumi_cloudflare_workflows_provider.
exports.read_imports`, tells: a real parser, and no esbuild needed). Any other entrypoint is uploaded byte for
byte as it always was, so upgrading this package never changes a deployed script or its digest in state.

How: one output module, the same bytes for the same sources wherever the checkout lives and however often
it runs: fixed flags (:data:`ESBUILD_FLAGS`: ES module, target es2022, nothing minified so a preview's
``--diff`` shows the changed line, ``cloudflare:*`` and ``node:*`` left to the runtime), esbuild run in the
entrypoint's folder so the ``// path`` comments it writes are relative, and nothing time- or
machine-dependent in its output. esbuild's version is part of that: pin it in the program's ``package.json``.

Where esbuild comes from (:func:`find_esbuild`): ``node_modules/.bin`` in the entrypoint's folder or any
folder above it, then in the program's working directory or above, then ``PATH``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pulumi_cloudflare_workflows_provider.exports import read_imports

from .failures import ProgramError

__all__ = [
    "BUNDLE_TIMEOUT",
    "ESBUILD_FLAGS",
    "TESTED_ESBUILD_VERSION",
    "BundleError",
    "Entrypoint",
    "find_esbuild",
    "load_entrypoint",
    "main_module_name",
    "needs_bundling",
    "run_esbuild",
]

TESTED_ESBUILD_VERSION = "0.27.3"
"""The esbuild this package is tested with (local/node/package.json pins the same)."""

INSTALL_HINT = f"`npm install --save-dev esbuild@{TESTED_ESBUILD_VERSION}` in the program's directory"

BUNDLE_TIMEOUT = 120.0
"""Seconds one esbuild run may take (a large Worker bundles in well under one)."""

# TypeScript entrypoints and the name of their bundled main module (as tsc names its output).
TYPESCRIPT_SUFFIXES = {".ts": ".js", ".mts": ".mjs"}

# Imports the Workers runtime provides: never bundled, never a reason to bundle.
RUNTIME_PREFIXES = ("cloudflare:", "node:")

# Any of these compatibility flags gives a Worker the `node:*` modules it imports.
NODE_COMPAT_FLAGS = ("nodejs_compat", "nodejs_compat_v2", "nodejs_als")

ESBUILD_FLAGS = (
    "--bundle",
    "--format=esm",
    "--target=es2022",
    "--platform=neutral",
    "--main-fields=browser,module,main",
    "--conditions=workerd,worker,browser",
    "--external:cloudflare:*",
    "--external:node:*",
    "--charset=utf8",
    "--log-level=warning",
    "--color=false",
)
"""Every flag of every run: nothing here depends on the machine, the checkout or the time."""


class BundleError(ProgramError):
    """The entrypoint could not be read or bundled; the message leads with what to do."""


@dataclass(frozen=True)
class Entrypoint:
    """What a Worker uploads for its ``entrypoint``: the main module's name and source, whether esbuild made
    it, and what esbuild warned about (the Worker shows it as a Pulumi warning)."""

    main_module: str
    source: str
    bundled: bool = False
    warnings: str = ""


def main_module_name(path: Path) -> str:
    """The uploaded main module's name: the file's own name, ``.ts`` -> ``.js`` and ``.mts`` -> ``.mjs``."""
    suffix = TYPESCRIPT_SUFFIXES.get(path.suffix)
    return path.with_suffix(suffix).name if suffix else path.name


def needs_bundling(path: Path, source: str) -> bool:
    """TypeScript, or a module that imports anything the runtime does not provide."""
    if path.suffix in TYPESCRIPT_SUFFIXES:
        return True
    return any(not s.startswith(RUNTIME_PREFIXES) for s in read_imports(source).specifiers)


def find_esbuild(entry: Path, cwd: Path | None = None, search_path: str | None = None) -> Path | None:
    """The program's ``node_modules/.bin/esbuild`` (from the entrypoint's folder upward, then from `cwd`
    upward), else esbuild on `search_path` (default: ``PATH``)."""
    start = Path.cwd() if cwd is None else cwd
    for base in (entry.absolute().parent, start.absolute()):
        for folder in (base, *base.parents):
            found = shutil.which("esbuild", path=str(folder / "node_modules" / ".bin"))
            if found:
                return Path(found)
    found = shutil.which("esbuild", path=search_path)
    return Path(found) if found else None


def run_esbuild(esbuild: Path, entry: Path, timeout: float = BUNDLE_TIMEOUT) -> tuple[str, str]:
    """``(bundle, warnings)``: `entry` and what it imports as one ES module, esbuild run in `entry`'s folder
    with :data:`ESBUILD_FLAGS` (stdin closed, output captured)."""
    entry = entry.absolute()
    argv = [str(esbuild), f"./{entry.name}", *ESBUILD_FLAGS]
    try:
        done = subprocess.run(
            argv,
            cwd=entry.parent,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BundleError(
            f"run `{esbuild} ./{entry.name} --bundle` in {entry.parent} to see why bundling {entry} takes "
            f"longer than {timeout:g} s (esbuild was stopped)"
        ) from None
    except OSError as exc:
        raise BundleError(
            f"reinstall esbuild ({INSTALL_HINT}): {esbuild} could not be run to bundle {entry}: {exc}"
        ) from None
    stderr = done.stderr.decode("utf-8", errors="replace").strip()
    if done.returncode != 0:
        raise BundleError(
            f"fix what esbuild reports for {entry} (below), then run again; esbuild {esbuild} exited with "
            f"{done.returncode}:\n{stderr}"
        )
    return done.stdout.decode("utf-8"), stderr


def load_entrypoint(
    entrypoint: str | os.PathLike[str],
    *,
    compatibility_flags: Iterable[str] = (),
    bundle: bool = True,
    cwd: Path | None = None,
    search_path: str | None = None,
    timeout: float = BUNDLE_TIMEOUT,
) -> Entrypoint:
    """The main module of a Worker whose code is the file `entrypoint`.

    Read as it is when it needs no bundling (:func:`needs_bundling`), or when `bundle` is False (a pre-built
    Worker that passes its other modules itself: then it must not be TypeScript); otherwise bundled with the
    esbuild :func:`find_esbuild` finds.
    """
    path = Path(entrypoint)
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BundleError(f"point entrypoint at an existing file: {path} cannot be read ({exc})") from None
    if not bundle:
        if path.suffix in TYPESCRIPT_SUFFIXES:
            raise BundleError(
                f"pass the built .js/.mjs file as entrypoint, or drop modules= to have {path} bundled: a "
                "Worker with modules= is uploaded as it is, and TypeScript must be bundled"
            )
        return Entrypoint(path.name, source)
    if not needs_bundling(path, source):
        return Entrypoint(path.name, source)
    esbuild = find_esbuild(path, cwd, search_path)
    if esbuild is None:
        why = "it is TypeScript" if path.suffix in TYPESCRIPT_SUFFIXES else "it imports other modules"
        raise BundleError(
            f"install esbuild with {INSTALL_HINT}: {path} must be bundled ({why}), and no esbuild was found "
            f"in node_modules/.bin above {path.absolute().parent} or above {(cwd or Path.cwd()).absolute()}, "
            "nor on PATH"
        )
    bundled, warnings = run_esbuild(esbuild, path, timeout)
    _check_node_imports(path, bundled, compatibility_flags)
    return Entrypoint(main_module_name(path), bundled, bundled=True, warnings=warnings)


def _check_node_imports(path: Path, bundled: str, flags: Iterable[str]) -> None:
    """``node:*`` imports stay external: the runtime has them only with a Node.js compatibility flag, and
    Cloudflare refuses the upload otherwise; say so while the program runs, not at ``up``."""
    node = sorted(s for s in read_imports(bundled).specifiers if s.startswith("node:"))
    if node and not set(flags) & set(NODE_COMPAT_FLAGS):
        raise BundleError(
            f'add compatibility_flags=["nodejs_compat"]: {path} imports {", ".join(node)}, which the Workers '
            "runtime provides only with that flag"
        )
