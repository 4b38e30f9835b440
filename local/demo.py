"""`make demo`: the quickstart (order-processing app) through preview -> up -> inspect -> run -> destroy.

It starts cloudflare-local with its runtime (the Workers run in workerd), runs the root `Pulumi.yaml`
program with the real `pulumi` engine that `make` built (and prints its version), shows the preview, the
resources with their outputs and what the account holds, then places an order through the client Worker's
fetch handler and follows the workflow instance it starts to the end, printing each step's output. Then it
tears everything down. `--keep` (`make demo KEEP=1`) leaves the account running with the stack deployed
and prints how to place more orders (curl, `wrangler workflows trigger`), explore and stop it.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from cloudflare_local.node import wrangler_bin, wrangler_env
from cloudflare_local.process import CloudflareLocalServer
from pulumi_offline import engine_bin_dir, engine_version, offline_env

ROOT = Path(__file__).resolve().parent.parent
KEEP_DIR = ROOT / ".demo"
STACK = "demo"
TOKEN = "demo-token"
ORDER = {"id": "demo-1", "items": ["book", "lamp"], "wait": "3 seconds"}
FOLLOW_TIMEOUT = 60.0
FINAL = ("complete", "errored", "terminated")


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


def place_order(server: CloudflareLocalServer, client_script: str) -> str:
    """POST /orders to the client Worker's fetch handler: it starts the workflow through its binding."""
    url = server.worker_url(client_script, "/orders")
    print(f"$ curl -X POST {url} -d '{json.dumps(ORDER)}'")
    response = httpx.post(url, json=ORDER, timeout=30)
    if response.status_code != 202:
        raise SystemExit(f"the order was not accepted: HTTP {response.status_code} {response.text}")
    print(f"  {response.text}")
    return str(response.json()["id"])


def follow(api: httpx.Client, account_id: str, workflow_name: str, instance_id: str) -> dict[str, Any]:
    """Poll the instance until it finishes, printing each step as it ends (and a live status line on a
    terminal); returns its details."""
    path = f"/accounts/{account_id}/workflows/{workflow_name}/instances/{instance_id}"
    started, printed = time.monotonic(), 0
    live = sys.stdout.isatty()
    while True:
        details: dict[str, Any] = api.get(path).json()["result"]
        steps = details["steps"]
        done = [s for s in steps if s.get("end") and (s.get("success") or s.get("finished"))]
        for step in done[printed:]:
            output = json.dumps(step["output"]) if step["type"] == "step" else "(slept)"
            print(("\r\033[K" if live else "") + f"  [{printed + 1}] {step['name']}: {output}", flush=True)
            printed += 1
        elapsed = time.monotonic() - started
        if details["status"] in FINAL:
            if live:
                print("\r\033[K", end="")
            return details
        if elapsed > FOLLOW_TIMEOUT:
            raise SystemExit(f"instance {instance_id} still {details['status']} after {FOLLOW_TIMEOUT:.0f} s")
        current = steps[-1]["name"] if steps and len(steps) > printed else "starting"
        if live:
            print(f"\r\033[K  {details['status']}: {current} ({elapsed:.1f} s)", end="", flush=True)
        time.sleep(0.1)


def stack_outputs(cli: Cli) -> dict[str, Any]:
    """The stack's outputs, printed under the command as the CLI would show them."""
    outputs: dict[str, Any] = json.loads(cli.run("stack", "output", "--json", capture=True).stdout)
    for key, value in sorted(outputs.items()):
        print(f"  {key}: {json.dumps(value)}")
    return outputs


def print_more(server: CloudflareLocalServer, account_id: str, outputs: dict[str, Any]) -> None:
    """How to place more orders on the kept account: through the client Worker, and with wrangler (a
    shell function that runs the pinned wrangler offline, as the tests do)."""
    orders = server.worker_url(outputs["api"], "/orders")
    body = json.dumps({"items": ["book"]})
    home = KEEP_DIR / "wrangler-home"
    home.mkdir(exist_ok=True)
    env = wrangler_env(server.api_base, TOKEN, account_id, home)
    env.pop("PATH", None)
    settings = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    workflow = outputs["workflow_name"]
    print(
        "  # an order through the client Worker, and its status read through its binding:\n"
        f"  curl -s -X POST {orders} -d '{body}'\n"
        f"  curl -s {orders}/<id>\n"
        "  # the same workflow, triggered and described by the pinned wrangler (kept offline):\n"
        f'  wrangler() {{ env {settings} {wrangler_bin() or "wrangler"} "$@"; }}\n'
        f"  wrangler workflows trigger {workflow} '{body}'\n"
        f"  wrangler workflows instances describe {workflow} <id>"
    )


def start_server(keep: bool) -> CloudflareLocalServer:
    if not keep:
        return CloudflareLocalServer(token=TOKEN, runtime=True).start()
    stop_kept()
    KEEP_DIR.mkdir(exist_ok=True)
    server = CloudflareLocalServer(
        token=TOKEN, data_dir=KEEP_DIR / "cloudflare", runtime=True, die_with_parent=False
    )
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
        show_account(api, account_id)

        banner("preview again: nothing to change")
        cli.run("preview", "--expect-no-changes")

        outputs = stack_outputs(cli)
        banner("an order through the client Worker, whose binding starts the workflow in order-processor")
        instance_id = place_order(server, outputs["api"])
        details = follow(api, account_id, outputs["workflow_name"], instance_id)
        print(f"  instance {instance_id}: {details['status']}, output {json.dumps(details['output'])}")
        if details["status"] != "complete":
            return 1

        if args.keep:
            banner("kept running: place more orders")
            print_more(server, account_id, outputs)
            banner("and explore")
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
