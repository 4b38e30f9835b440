"""`make demo`: the quickstart (order-processing app) through preview -> up -> inspect -> destroy.

It starts cloudflare-local, runs the root `Pulumi.yaml` program with the real `pulumi` engine that `make`
built (and prints its version), shows the preview, the resources with their outputs and what the account
holds, then tears everything down. `--keep` (`make demo KEEP=1`) leaves the account running with the stack
deployed and prints how to explore and stop it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from cloudflare_local.process import CloudflareLocalServer
from pulumi_offline import engine_bin_dir, engine_version, offline_env

ROOT = Path(__file__).resolve().parent.parent
KEEP_DIR = ROOT / ".demo"
STACK = "demo"
TOKEN = "demo-token"


def banner(text: str) -> None:
    print(f"\n\033[1m== {text}\033[0m", flush=True)


class Cli:
    """Runs the engine `make` built (`.engine/bin/pulumi`) on the quickstart, offline: a `file://` backend in
    the demo's folder, a passphrase, no update check (pulumi_offline.offline_env)."""

    def __init__(self, env: dict[str, str], state_dir: Path) -> None:
        self.exe = str(engine_bin_dir() / "pulumi")
        self.env = offline_env(state_dir, {**os.environ, **env}, passphrase="demo")
        self.version = engine_version()

    def run(self, *args: str, capture: bool = False, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [self.exe, "--cwd", str(ROOT), "--non-interactive", *args, "--stack", STACK]
        print(f"$ pulumi {' '.join(args)}", flush=True)
        done = subprocess.run(cmd, env=self.env, text=True, capture_output=capture, check=False)
        if check and done.returncode != 0:
            if capture:
                print(done.stdout, done.stderr, sep="\n")
            raise SystemExit(f"pulumi {' '.join(args)} failed with exit code {done.returncode}")
        return done

    def init_stack(self) -> None:
        subprocess.run(
            [self.exe, "--cwd", str(ROOT), "--non-interactive", "stack", "select", "--create", STACK],
            env=self.env,
            capture_output=True,
            check=True,
        )


def show_resources(cli: Cli) -> None:
    """The deployed resources and their outputs, from the stack's state (`stack export`)."""
    exported = json.loads(cli.run("stack", "export", capture=True).stdout)
    for resource in exported["deployment"]["resources"]:
        kind = resource["type"]
        if not kind.startswith("pulumi-python:dynamic/"):
            continue
        outputs = {
            k: v for k, v in (resource.get("outputs") or {}).items() if k not in ("__provider", "script")
        }
        name = resource["urn"].rsplit("::", 1)[-1]
        print(f"  {kind.rsplit(':', 1)[-1]} {name!r} (id {resource.get('id')!r})")
        for key, value in sorted(outputs.items()):
            print(f"      {key}: {json.dumps(value)}")


def show_account(api: httpx.Client, account_id: str) -> tuple[list[str], list[str]]:
    """What the account holds, read over the Cloudflare API; returns (scripts, workflows)."""
    scripts = [s["id"] for s in api.get(f"/accounts/{account_id}/workers/scripts").json()["result"]]
    workflows = api.get(f"/accounts/{account_id}/workflows", params={"per_page": 100}).json()["result"]
    print(f"  scripts:   {scripts}")
    for wf in workflows:
        print(f"  workflow:  {wf['name']} -> {wf['script_name']}:{wf['class_name']} (id {wf['id']})")
    return scripts, [wf["name"] for wf in workflows]


def start_instance(api: httpx.Client, account_id: str, workflow_name: str) -> None:
    """Create one instance through the API, as `wrangler workflows trigger` would."""
    path = f"/accounts/{account_id}/workflows/{workflow_name}/instances"
    created = api.post(path, json={"params": {"order_id": "demo-1", "total": 42}}).json()["result"]
    described = api.get(f"{path}/{created['id']}").json()["result"]
    print(f"  instance {created['id']}: status {described['status']} (params {described['params']})")


def start_server(keep: bool) -> CloudflareLocalServer:
    if not keep:
        return CloudflareLocalServer(token=TOKEN).start()
    stop_kept()
    KEEP_DIR.mkdir(exist_ok=True)
    server = CloudflareLocalServer(token=TOKEN, data_dir=KEEP_DIR / "cloudflare", die_with_parent=False)
    server.start()
    (KEEP_DIR / "cloudflare-local.pid").write_text(str(server.pid))
    return server


def stop_kept() -> None:
    """Stop a server left running by `make demo KEEP=1` (used by `make demo-stop` and before a new demo)."""
    pid_file = KEEP_DIR / "cloudflare-local.pid"
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, signal.SIGTERM)
        print(f"stopped cloudflare-local (pid {pid})")
    except ProcessLookupError:
        pass
    pid_file.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave the account and the stack running")
    parser.add_argument("--stop", action="store_true", help="stop a server left by --keep and forget it")
    args = parser.parse_args(argv)
    if args.stop:
        stop_kept()
        shutil.rmtree(KEEP_DIR, ignore_errors=True)
        return 0

    started = time.monotonic()
    account_id = uuid.uuid4().hex
    server = start_server(args.keep)
    work = Path(tempfile.mkdtemp(prefix="pcw-demo-")) if not args.keep else KEEP_DIR
    try:
        env = server.env(account_id)
        cli = Cli(env, work / "state")
        (work / "state").mkdir(parents=True, exist_ok=True)
        banner(f"cloudflare-local on {server.api_base} (account {account_id}); engine: pulumi {cli.version}")
        print(f"  {cli.exe} (built by `make` from Pulumi's Go modules; see engine/build.py)")
        cli.init_stack()
        api = httpx.Client(base_url=server.api_base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)

        banner("preview: what `pulumi up` would do (no Cloudflare API call is made)")
        server.clear_requests()
        cli.run("preview", "--diff")
        calls = [r for r in server.requests() if r["path"].startswith("/client/v4")]
        print(f"  Cloudflare API requests made by the preview: {len(calls)}")

        banner("up")
        cli.run("up", "--yes", "--skip-preview")

        banner("the stack's resources and their outputs")
        show_resources(cli)
        banner("what the Cloudflare account now holds (read over its API)")
        _, workflows = show_account(api, account_id)
        for name in workflows:
            start_instance(api, account_id, name)
        print("  (instances stay `queued` until cloudflare-local's runtime runs them in workerd)")

        banner("preview again: nothing to change")
        cli.run("preview", "--expect-no-changes")

        if args.keep:
            banner("kept running")
            print(
                f"  export CLOUDFLARE_API_BASE_URL={server.api_base} CLOUDFLARE_API_TOKEN={TOKEN} "
                f"CLOUDFLARE_ACCOUNT_ID={account_id}\n"
                f"  export PATH={engine_bin_dir()}:$PATH PULUMI_BACKEND_URL=file://{work / 'state'} "
                f"PULUMI_CONFIG_PASSPHRASE=demo PULUMI_PYTHON_CMD={sys.executable}\n"
                f"  curl -s -H 'Authorization: Bearer {TOKEN}' "
                f"$CLOUDFLARE_API_BASE_URL/accounts/{account_id}/workflows | python3 -m json.tool\n"
                f"  pulumi --stack {STACK} preview --diff      # after editing __main__.py\n"
                f"  pulumi --stack {STACK} destroy --yes\n"
                f"  make demo-stop                           # stops cloudflare-local"
            )
            return 0

        banner("destroy")
        cli.run("destroy", "--yes", "--skip-preview")
        scripts, workflows = show_account(api, account_id)
        if scripts or workflows:
            print("  the account still holds objects after destroy", file=sys.stderr)
            return 1
        print("  the account is empty again")
        banner(f"demo finished in {time.monotonic() - started:.1f} s")
        return 0
    finally:
        if not args.keep:
            server.stop()
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
