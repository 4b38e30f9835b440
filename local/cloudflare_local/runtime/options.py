"""What workerd runs for one account: its deployed scripts and registered workflows as Miniflare options.

Pure: an `AccountState` (what the account stores) in, an `AccountConfig` out. Upload -> Miniflare, as
docs/cloudflare-local.md ("The runtime") lays it out:

- each script's deployed version is a Worker named `<account>.<script>` (names.py): its modules, main module
  first (workerd takes the first as the entry), its compatibility date and flags, and its bindings;
- a workflow binding is bound as Cloudflare binds it, to the *registered* workflow of that name (the
  workflow, not the binding, says which class in which script runs), in its own script or cross-script;
  a workflow that is not registered, or whose script is not deployed, is left out of `env`;
- every runnable workflow is also bound by the runtime's own Worker, so the API can start instances of a
  workflow that no script binds.

What workerd would refuse to start with is either refused here (a module that does not parse: a
`Refusal`, Cloudflare's 10021) or left out (a binding to a class its script does not export), because one
bad Worker takes every Worker of every account down with it. Whatever gets past this is caught by the
sidecar, which restarts the previous configuration (runtime.py).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from cloudflare_local import errors
from cloudflare_local.errors import ApiError
from cloudflare_local.exports import parse_exports
from cloudflare_local.models import Script, ScriptVersion, Workflow
from cloudflare_local.runtime import names

# Module part content type -> Miniflare module type (Python and source-map parts are not run).
MODULE_TYPES = {
    "application/javascript+module": "ESModule",
    "text/javascript+module": "ESModule",
    "application/javascript": "CommonJS",
    "text/javascript": "CommonJS",
    "application/wasm": "CompiledWasm",
    "text/plain": "Text",
    "application/octet-stream": "Data",
}
JAVASCRIPT = ("ESModule", "CommonJS")
# The runtime's own Worker binds each workflow under its runtime name. `DELETE /instance?workflow=&id=`
# drops an instance's engine (its storage, and the object workerd keeps in memory: Miniflare's engines are
# never evicted, so removing the stored file alone would leave it answering).
INTERNAL_SOURCE = """\
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const workflow = env[url.searchParams.get("workflow")];
    if (request.method === "DELETE" && url.pathname === "/instance" && workflow) {
      await workflow.unsafeAbort(url.searchParams.get("id"), "deleted through the API");
      return new Response(null, { status: 204 });
    }
    return new Response("cloudflare-local runtime", { status: 404 });
  },
};
"""
INTERNAL_COMPATIBILITY_DATE = "2025-04-01"


@dataclass(frozen=True)
class ScriptState:
    """One script as deployed: its record, its live version and that version's module contents."""

    script: Script
    version: ScriptVersion
    modules: dict[str, bytes]


@dataclass(frozen=True)
class AccountState:
    account_id: str
    scripts: dict[str, ScriptState]
    workflows: list[Workflow]


@dataclass(frozen=True)
class Refusal:
    """A deployed version workerd could not start."""

    script_name: str
    version_id: str
    code: int
    message: str

    def error(self) -> ApiError:
        return ApiError(self.code, self.message, 400)


@dataclass
class AccountConfig:
    """The account's part of the runtime's configuration."""

    account_id: str
    workers: list[dict[str, Any]] = field(default_factory=list)
    runnable: dict[str, dict[str, Any]] = field(default_factory=dict)  # workflow name -> designator
    registered: frozenset[str] = frozenset()  # every registered workflow's name
    refusals: list[Refusal] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # what is not run, and why (logged)


def account_config(state: AccountState) -> AccountConfig:
    config = AccountConfig(state.account_id, registered=frozenset(w.name for w in state.workflows))
    for workflow in state.workflows:
        designator = workflow_designator(state, workflow)
        if designator is None:
            config.left_out.append(f"workflow {workflow.name}: script {workflow.script_name} does not run it")
        else:
            config.runnable[workflow.name] = designator
    for name in sorted(state.scripts):
        worker = _worker(state, state.scripts[name], config)
        if worker is not None:
            config.workers.append(worker)
    return config


def internal_worker(configs: list[AccountConfig]) -> dict[str, Any]:
    """The runtime's own Worker, binding every runnable workflow of every account."""
    designators = [d for c in configs for _, d in sorted(c.runnable.items())]
    return {
        "name": names.INTERNAL_WORKER,
        "compatibilityDate": INTERNAL_COMPATIBILITY_DATE,
        "modules": [_module("ESModule", "internal.mjs", INTERNAL_SOURCE.encode())],
        "workflows": {d["name"]: d for d in designators},
    }


def workflow_designator(state: AccountState, workflow: Workflow) -> dict[str, Any] | None:
    """How workerd runs a registered workflow, or None when its script is not deployed or exports no class
    it could run."""
    host = state.scripts.get(workflow.script_name)
    if host is None:
        return None
    class_name = _runnable_class(workflow, host)
    if class_name is None:
        return None
    out: dict[str, Any] = {
        "name": names.workflow(state.account_id, workflow.name),
        "className": class_name,
        "scriptName": names.worker(state.account_id, workflow.script_name),
    }
    steps = (workflow.limits or {}).get("steps")
    if isinstance(steps, int):
        out["stepLimit"] = steps
    return out


def _runnable_class(workflow: Workflow, host: ScriptState) -> str | None:
    """The registered class; else the class the host's own binding of the workflow names. Between a
    script upload that renames the class and the workflow PUT that follows it (Pulumi's and wrangler's
    order), the registered class is gone and the binding already names the new one."""
    version = host.version
    if version.exports_class(workflow.class_name) is not False:
        return workflow.class_name
    for binding in version.bindings:
        own = binding.get("script_name") in (None, host.script.name)
        class_name = binding.get("class_name")
        if (
            binding["type"] == "workflow"
            and binding.get("workflow_name") == workflow.name
            and own
            and isinstance(class_name, str)
            and version.exports_class(class_name) is not False
        ):
            return class_name
    return None


def durable_object_designator(account_id: str, host: Script, class_name: str) -> dict[str, Any]:
    """How a binding reaches a Durable Object class: the Worker that exports it and the storage its objects
    live in. The one place that names that storage (Miniflare's `unsafeUniqueKey`, also the directory under
    durableObjectsPersist): the class's storage id, which its migrations carried across every rename
    (models/migrations.py), so a renamed class still sees what it stored; script and class for a class no
    migration recorded."""
    worker = names.worker(account_id, host.name)
    record = host.durable_objects.get(class_name) or {}
    return {
        "className": class_name,
        "scriptName": worker,
        "unsafeUniqueKey": record.get("storage_id") or f"{worker}-{class_name}",
        "useSQLite": bool(record.get("sqlite", True)),
    }


def _module(kind: str, path: str, data: bytes) -> dict[str, Any]:
    return {"type": kind, "path": path, "contents_b64": base64.b64encode(data).decode("ascii")}


def _worker(state: AccountState, script: ScriptState, config: AccountConfig) -> dict[str, Any] | None:
    version = script.version
    name = script.script.name
    entry = version.main_module or version.body_part
    refusal = _unparseable(script)
    if refusal is not None:
        config.refusals.append(refusal)
        return None
    out: dict[str, Any] = {"name": names.worker(state.account_id, name)}
    if version.main_module is None:
        out["script_b64"] = base64.b64encode(script.modules.get(entry or "", b"")).decode("ascii")
    else:
        modules = sorted(version.modules, key=lambda m: m["name"] != entry)
        out["modules"] = [
            _module(MODULE_TYPES[m["content_type"]], m["name"], script.modules.get(m["name"], b""))
            for m in modules
            if m["content_type"] in MODULE_TYPES
        ]
    if version.compatibility_date:
        out["compatibilityDate"] = version.compatibility_date
    if version.compatibility_flags:
        out["compatibilityFlags"] = list(version.compatibility_flags)
    out.update(_bindings(state, script, config))
    return out


def _unparseable(script: ScriptState) -> Refusal | None:
    """A JavaScript module that does not parse: workerd would not start, so the upload is refused."""
    version = script.version
    for module in version.modules:
        kind = MODULE_TYPES.get(module["content_type"])
        is_script = version.main_module is None and module["name"] == version.body_part
        if kind not in JAVASCRIPT and not is_script:
            continue
        source = script.modules.get(module["name"], b"").decode("utf-8", errors="replace")
        if not parse_exports(source).parses:
            return Refusal(
                script.script.name,
                version.id,
                errors.SCRIPT_VALIDATION,
                f"Uncaught SyntaxError in module {module['name']!r} of script {script.script.name!r}: "
                "it does not parse as JavaScript; fix it and upload again (the previous version keeps "
                "running)",
            )
    return None


def _bindings(state: AccountState, script: ScriptState, config: AccountConfig) -> dict[str, Any]:
    """The version's bindings as Miniflare options; the ones workerd could not satisfy are left out."""
    plain: dict[str, Any] = {}
    workflows: dict[str, Any] = {}
    objects: dict[str, Any] = {}
    services: dict[str, Any] = {}
    own = script.script.name
    for binding in script.version.bindings:
        kind, name = binding["type"], binding["name"]
        if kind in ("plain_text", "secret_text"):
            plain[name] = binding.get("text", "")
        elif kind == "json":
            plain[name] = binding.get("json")
        elif kind == "workflow":
            designator = config.runnable.get(str(binding.get("workflow_name")))
            if designator is None:
                config.left_out.append(
                    f"{own}/{name}: workflow {binding.get('workflow_name')} is not running"
                )
            else:
                workflows[name] = designator
        elif kind == "durable_object_namespace":
            host_name = binding.get("script_name") or own
            class_name = binding.get("class_name")
            host = state.scripts.get(host_name)
            if (
                host is None
                or not isinstance(class_name, str)
                or host.version.exports_class(class_name) is False
            ):
                config.left_out.append(f"{own}/{name}: class {class_name} is not exported by {host_name}")
            else:
                objects[name] = durable_object_designator(state.account_id, host.script, class_name)
        elif kind == "service":
            target = binding.get("service")
            if target not in state.scripts:
                config.left_out.append(f"{own}/{name}: service {target} is not deployed")
            else:
                worker = names.worker(state.account_id, str(target))
                entrypoint = binding.get("entrypoint")
                services[name] = {"name": worker, "entrypoint": entrypoint} if entrypoint else worker
        else:
            config.left_out.append(f"{own}/{name}: {kind} bindings are not run locally")
    out: dict[str, Any] = {}
    for key, value in (
        ("bindings", plain),
        ("workflows", workflows),
        ("durableObjects", objects),
        ("serviceBindings", services),
    ):
        if value:
            out[key] = value
    return out
