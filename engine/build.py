"""Builds the pinned `pulumi` engine from Pulumi's Go modules, once, into a git-ignored folder (`.engine/`).

`make` runs this before anything that needs the engine. It prints progress (the cold build compiles about
1,800 packages and takes minutes on 2 cores) and records what it did, with its time, in `.engine/build.json`;
a second run with the same pins returns at once. What ends up in `.engine/bin/`:

- `pulumi`: the CLI, `github.com/pulumi/pulumi/pkg/v3/cmd/pulumi`, at the version `engine/cli/go.mod` pins.
- `pulumi-language-python`: the Python language host. Its own module
  (`github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3`) is not served by the module proxy
  these machines reach, so it is built from the last release that kept it inside `sdk/v3` (pinned in
  `engine/language-host/go.mod`). The language host only starts the program; the engine's steps, diffs and
  state are the CLI's, and the program's runtime is the `pulumi` package from PyPI.
- `pulumi-language-python-exec` and `pulumi-resource-pulumi-python`: the two scripts the engine runs, copied
  from the `sdk/v3` module at the CLI's version (the exec script must sit beside the language host).

An installed `pulumi` of the pinned version (`--pulumi PATH`, or `pulumi` on PATH) is linked instead of
building; its own language host and plugins are found next to it. Standard library only: it runs before the
project's virtualenv exists.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLI_MODULE = HERE / "cli"
HOST_MODULE = HERE / "language-host"
CLI_PACKAGE = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
HOST_PACKAGE = "github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python"
SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3"
VERSION_SYMBOL = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version"
SCRIPTS = {
    "python/cmd/pulumi-language-python-exec": "pulumi-language-python-exec",
    "python/dist/pulumi-resource-pulumi-python": "pulumi-resource-pulumi-python",
}


def log(message: str) -> None:
    print(f"engine: {message}", flush=True)


def pinned(module_dir: Path, module: str) -> str:
    """The version of `module` that `module_dir/go.mod` requires (the one home of each pin)."""
    match = re.search(rf"^\s*{re.escape(module)} (v\S+)", (module_dir / "go.mod").read_text(), re.M)
    if not match:
        raise SystemExit(f"engine: {module_dir / 'go.mod'} does not require {module}")
    return match.group(1)


def pins() -> dict[str, str]:
    return {
        "pulumi": pinned(CLI_MODULE, "github.com/pulumi/pulumi/pkg/v3"),
        "language_host": pinned(HOST_MODULE, SDK_MODULE),
        "go_sum": hashlib.sha256(
            b"".join((d / f).read_bytes() for d in (CLI_MODULE, HOST_MODULE) for f in ("go.mod", "go.sum"))
        ).hexdigest()[:16],
    }


def cli_version(binary: str | Path) -> str:
    try:
        done = subprocess.run(
            [str(binary), "version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError:
        return ""
    return done.stdout.strip()


def go_env() -> dict[str, str]:
    # Never fetch a toolchain; CGO off and the version stamp as Pulumi's release builds do.
    return {**os.environ, "GOTOOLCHAIN": "local", "CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly"}


def go(module_dir: Path, *args: str) -> str:
    done = subprocess.run(
        ["go", *args], cwd=module_dir, env=go_env(), capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"engine: `go {' '.join(args)}` in {module_dir} failed:\n{done.stderr.strip()}")
    return done.stdout


def build(module_dir: Path, package: str, version: str, out_dir: Path, label: str) -> None:
    """`go build` of one main package, printing a progress line every tenth of its packages."""
    log(f"{label}: fetching modules (several hundred MB when the module cache is cold)")
    started = time.monotonic()
    go(module_dir, "mod", "download")
    total = len(go(module_dir, "list", "-deps", package).split())
    log(f"{label}: modules ready in {time.monotonic() - started:.0f} s; compiling up to {total} packages")
    argv = [
        "go",
        "build",
        "-v",
        "-trimpath",
        "-tags",
        "osusergo,grpcnotrace",
        "-ldflags",
        f"-X {VERSION_SYMBOL}={version}",
        "-o",
        f"{out_dir}{os.sep}",
        package,
    ]
    proc = subprocess.Popen(argv, cwd=module_dir, env=go_env(), stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    compiled, next_report, errors = 0, total // 10, []
    heartbeat = threading.Event()

    def still_going() -> None:  # the last packages (the CLI's own, the link) take minutes without a line
        while not heartbeat.wait(45):
            log(f"{label}: still compiling ({compiled}/{total} packages, {time.monotonic() - started:.0f} s)")

    threading.Thread(target=still_going, daemon=True).start()
    for line in proc.stderr:
        if " " in line.strip() or line.startswith("#"):
            errors.append(line)
            continue
        compiled += 1
        if compiled >= next_report:
            log(f"{label}: {compiled}/{total} packages compiled ({time.monotonic() - started:.0f} s)")
            next_report += max(total // 10, 1)
    heartbeat.set()
    if proc.wait():
        raise SystemExit(f"engine: building {package} failed:\n{''.join(errors)}")
    elapsed = time.monotonic() - started
    log(f"{label}: built in {elapsed:.0f} s ({compiled} packages compiled, the rest from the build cache)")


def copy_scripts(out_dir: Path) -> None:
    sdk_dir = Path(go(CLI_MODULE, "list", "-m", "-f", "{{.Dir}}", SDK_MODULE).strip())
    for source, name in SCRIPTS.items():
        target = out_dir / name
        target.unlink(missing_ok=True)
        shutil.copyfile(sdk_dir / source, target)
        target.chmod(0o755)  # module zips keep no file modes


def link_installed(binary: Path, out_dir: Path) -> None:
    target = out_dir / "pulumi"
    target.unlink(missing_ok=True)
    target.symlink_to(binary.resolve())


def find_installed(explicit: str | None, version: str) -> Path | None:
    candidates = [explicit] if explicit else [shutil.which("pulumi")]
    for candidate in candidates:
        if not candidate:
            continue
        found = cli_version(candidate)
        if found == version:
            return Path(candidate)
        if explicit:
            raise SystemExit(
                f"engine: {candidate} is pulumi {found or '(not runnable)'}, the pin is {version}"
            )
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(HERE.parent / ".engine"), help="where bin/ and build.json go")
    parser.add_argument(
        "--pulumi",
        default=os.environ.get("PULUMI") or None,
        help="an installed pulumi of the pinned version to use instead of building",
    )
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    bin_dir = out / "bin"
    record_path = out / "build.json"
    want = pins()

    if record_path.exists() and (bin_dir / "pulumi").exists():
        record = json.loads(record_path.read_text())
        if record.get("pins") == want and cli_version(bin_dir / "pulumi") == want["pulumi"]:
            log(f"pulumi {want['pulumi']} is ready in {bin_dir} ({record['source']}, cached)")
            return 0

    bin_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    installed = find_installed(args.pulumi, want["pulumi"])
    if installed is not None:
        log(f"using the installed {installed} (pulumi {want['pulumi']}) instead of building")
        link_installed(installed, bin_dir)
        source = f"installed: {installed.resolve()}"
    else:
        if shutil.which("go") is None:
            raise SystemExit(
                f"engine: building pulumi {want['pulumi']} needs Go (1.26 or newer) on PATH, "
                f"or an installed pulumi {want['pulumi']}: `make PULUMI=/path/to/pulumi`"
            )
        log(f"building pulumi {want['pulumi']} and its Python language host from Go modules (once)")
        build(CLI_MODULE, CLI_PACKAGE, want["pulumi"], bin_dir, "pulumi CLI")
        build(HOST_MODULE, HOST_PACKAGE, want["language_host"], bin_dir, "python language host")
        copy_scripts(bin_dir)
        source = "built from Go modules"
    seconds = round(time.monotonic() - started, 1)
    record = {
        "pins": want,
        "source": source,
        "seconds": seconds,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    record_path.write_text(json.dumps(record, indent=2) + "\n")
    log(f"pulumi {cli_version(bin_dir / 'pulumi')} ready in {bin_dir} ({seconds} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
