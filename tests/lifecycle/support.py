"""Helpers for the lifecycle suite: examples copied to tmp_path, run against cloudflare-local, read back over
the Cloudflare API and the request log.

Each test gets a fresh account id on the per-worker server, so it sees only its own scripts and workflows, and
filters the (shared) request log by `/accounts/<id>/`.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from pulumi_offline import Stack

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

# The types the SDK's Worker and Workflow register their resources as.
WORKER = "pulumi-python:dynamic/cloudflare:Worker"
WORKFLOW = "pulumi-python:dynamic/cloudflare:Workflow"


def mutations(requests: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (method, path) requests that can change something: what "left untouched" is checked against."""
    return [r for r in requests if r[0] in ("PUT", "POST", "PATCH", "DELETE")]


class Account:
    """One Cloudflare account on cloudflare-local, read through the v4 API and the request log."""

    def __init__(self, server: Any, account_id: str) -> None:
        self.server = server
        self.id = account_id
        self.http = httpx.Client(
            base_url=f"{server.api_base}/accounts/{account_id}",
            headers={"Authorization": f"Bearer {server.token}"},
            timeout=30,
        )

    def workflows(self) -> dict[str, dict[str, Any]]:
        response = self.http.get("/workflows", params={"per_page": 100})
        response.raise_for_status()
        return {w["name"]: w for w in response.json()["result"]}

    def scripts(self) -> set[str]:
        response = self.http.get("/workers/scripts")
        response.raise_for_status()
        return {s["id"] for s in response.json()["result"]}

    def delete_workflow(self, name: str) -> None:
        self.http.delete(f"/workflows/{name}").raise_for_status()

    def is_empty(self) -> bool:
        """No script and no workflow: what every destroy must leave."""
        return self.workflows() == {} and self.scripts() == set()

    def bindings(self, script: str) -> dict[str, dict[str, Any]]:
        response = self.http.get(f"/workers/scripts/{script}/settings")
        response.raise_for_status()
        return {b["name"]: b for b in response.json()["result"].get("bindings") or []}

    def add_binding(self, script: str, binding: dict[str, Any]) -> None:
        """Drift made outside Pulumi, as the dashboard does it: PATCH the script's settings (multipart)."""
        settings = {"bindings": [*self.bindings(script).values(), binding]}
        response = self.http.patch(
            f"/workers/scripts/{script}/settings",
            files={"settings": (None, json.dumps(settings).encode(), "application/json")},
        )
        response.raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        """This account's API requests, oldest first."""
        return [r for r in self.server.requests() if f"/accounts/{self.id}/" in r["path"] + "/"]

    def mark(self) -> int:
        return len(self.requests())

    def requests_since(self, mark: int) -> list[tuple[str, str]]:
        prefix = f"/client/v4/accounts/{self.id}"
        return [(r["method"], r["path"].removeprefix(prefix)) for r in self.requests()[mark:]]

    def env(self) -> dict[str, str]:
        return {
            "CLOUDFLARE_API_BASE_URL": self.server.api_base,
            "CLOUDFLARE_API_TOKEN": self.server.token,
            "CLOUDFLARE_ACCOUNT_ID": self.id,
        }


@dataclass
class Project:
    """An example copied into tmp_path, with a way to edit its program and to make stacks of it."""

    dir: Path
    account: Account
    tmp: Path

    def stack(self, name: str = "dev", subdir: str = "", api_base: str | None = None) -> Stack:
        """A stack of the project (or of its `subdir` program) on the test's own `file://` backend;
        `api_base` sends the provider elsewhere (a proxy) while the state stays the same."""
        env = self.account.env()
        if api_base is not None:
            env["CLOUDFLARE_API_BASE_URL"] = api_base
        return Stack(self.dir / subdir if subdir else self.dir, name, env=env, backend=self.tmp / "backend")

    def edit(self, old: str, new: str, path: str = "__main__.py") -> None:
        """Replaces `old` with `new` in the copied program (failing loudly if the example no longer has
        it)."""
        file = self.dir / path
        text = file.read_text()
        assert old in text, f"{path} no longer contains {old!r}: update the lifecycle test"
        file.write_text(text.replace(old, new, 1))


def copy_project(name: str, tmp_path: Path, account: Account) -> Project:
    """Copies `examples/<name>` (or the root quickstart, `quickstart`) into tmp_path, without local state."""
    target = tmp_path / name
    if name == "quickstart":
        target.mkdir()
        for item in ("Pulumi.yaml", "__main__.py"):
            shutil.copy(REPO / item, target / item)
        shutil.copytree(REPO / "workers", target / "workers")
    else:
        shutil.copytree(
            EXAMPLES / name, target, ignore=shutil.ignore_patterns(".pulumi-offline", "Pulumi.*.yaml")
        )
    return Project(target, account, tmp_path)


# --- a Durable Object program (tests/lifecycle/test_durable_objects.py, tests/reliability) ----------------

DO_PROGRAM = """\
import pulumi
from pulumi_cloudflare_workflows import DurableObject, Worker

counter = DurableObject("counter", class_name="Counter")
host = Worker("do-host", entrypoint="workers/host.mjs", bindings={"COUNTER": counter})
client = Worker("do-client", entrypoint="workers/client.mjs", bindings={"COUNTER": host.bindings["COUNTER"]})
pulumi.export("host", host.name)
pulumi.export("client", client.name)
pulumi.export("migration_tag", host.migration_tag)
"""

DO_HOST = """\
import { DurableObject } from "cloudflare:workers";
export class Counter extends DurableObject { fetch() { return new Response("v1"); } }
export class CounterV2 extends DurableObject { fetch() { return new Response("v2"); } }
export default { fetch(request, env) { return env.COUNTER.getByName("a").fetch(request); } };
"""

DO_CLIENT = 'export default { fetch(request, env) { return new Response("client"); } };\n'


def write_durable_objects_project(tmp_path: Path, account: Account, program: str = DO_PROGRAM) -> Project:
    """A program whose host Worker hosts the DurableObject `counter`; its client binds it cross-script."""
    root = tmp_path / "durable-objects"
    (root / "workers").mkdir(parents=True)
    (root / "Pulumi.yaml").write_text("name: cfwf-durable-objects\nruntime: python\n")
    (root / "__main__.py").write_text(program)
    (root / "workers" / "host.mjs").write_text(DO_HOST)
    (root / "workers" / "client.mjs").write_text(DO_CLIENT)
    return Project(root, account, tmp_path)
