"""Model objects rendered as the `result` shapes of Cloudflare's API.

The shapes are those cloudflare-workflows-openapi.json (next to this file) declares, checked against it by
`contract.py` in the tests, plus the fields wrangler reads that the document leaves out.

Secret values are write-only: a `secret_text` binding comes back without its `text`, as on Cloudflare.
"""

from __future__ import annotations

from typing import Any

from cloudflare_local.models import (
    Deployment,
    Instance,
    Script,
    ScriptVersion,
    Workflow,
    WorkflowVersion,
)

WRITE_ONLY = {"secret_text": ("text",), "secret_key": ("key_base64", "key_jwk")}


def binding(item: dict[str, Any]) -> dict[str, Any]:
    """A binding as stored, minus write-only values."""
    hidden = WRITE_ONLY.get(item.get("type", ""), ())
    return {k: v for k, v in item.items() if k not in hidden}


def handlers(version: ScriptVersion) -> list[str]:
    return ["fetch"] if "default" in version.exports or version.body_part else []


def _runtime(version: ScriptVersion) -> dict[str, Any]:
    """The compatibility settings of a version (an unset date reads back as "")."""
    return {
        "compatibility_date": version.compatibility_date or "",
        "compatibility_flags": version.compatibility_flags,
    }


def script(s: Script, version: ScriptVersion) -> dict[str, Any]:
    """workers_script-response."""
    return {
        "id": s.name,
        "tag": s.tag,
        "etag": s.etag,
        "created_on": s.created_on,
        "modified_on": s.modified_on,
        **_runtime(version),
        "usage_model": s.usage_model,
        "handlers": handlers(version),
        "has_assets": False,
        "has_modules": version.main_module is not None,
        "last_deployed_from": s.last_deployed_from,
        "logpush": s.logpush,
        "tags": s.tags or [],
        "tail_consumers": s.tail_consumers or [],
        **({"migration_tag": s.migration_tag} if s.migration_tag else {}),
        **({"placement": s.placement} if s.placement else {}),
        **({"observability": s.observability} if s.observability else {}),
    }


def script_upload(s: Script, version: ScriptVersion, deployment_id: str | None) -> dict[str, Any]:
    """PUT /workers/scripts/{name}: the script plus what wrangler reads (startup_time_ms, deployment_id)."""
    out = script(s, version)
    out["startup_time_ms"] = 0
    out["entry_point"] = version.main_module or version.body_part or ""
    if deployment_id:
        out["deployment_id"] = deployment_id
    return out


def script_settings(s: Script) -> dict[str, Any]:
    """GET/PATCH script-settings (the spec does not let `observability` be null: omitted when unset)."""
    out: dict[str, Any] = {"logpush": s.logpush, "tags": s.tags, "tail_consumers": s.tail_consumers}
    if s.observability is not None:
        out["observability"] = s.observability
    return out


def settings(s: Script, version: ScriptVersion) -> dict[str, Any]:
    """GET/PATCH settings: the script-settings fields plus the deployed version's bindings and runtime."""
    out: dict[str, Any] = {
        "bindings": [binding(b) for b in version.bindings],
        **_runtime(version),
        **script_settings(s),
        "usage_model": s.usage_model,
    }
    if s.placement:
        out["placement"] = s.placement
    if s.limits:
        out["limits"] = s.limits
    if version.annotations:
        out["annotations"] = version.annotations
    return out


def version(v: ScriptVersion) -> dict[str, Any]:
    """POST .../versions result."""
    return {
        "id": v.id,
        "number": v.number,
        "metadata": {
            "author_email": "local@cloudflare-local.invalid",
            "author_id": "cloudflare-local",
            "created_on": v.created_on,
            "modified_on": v.created_on,
            "source": v.source,
            "has_preview": False,
        },
        "resources": {
            "bindings": [binding(b) for b in v.bindings],
            "script": {"etag": v.etag, "handlers": handlers(v), "last_deployed_from": v.source},
            "script_runtime": {**_runtime(v), "usage_model": "standard"},
        },
        "startup_time_ms": 0,
    }


def deployment(d: Deployment) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": d.id,
        "source": d.source,
        "strategy": d.strategy,
        "versions": d.versions,
        "created_on": d.created_on,
        "author_email": d.author_email,
    }
    if d.annotations:
        out["annotations"] = d.annotations
    return out


def service(s: Script) -> dict[str, Any]:
    """GET /workers/services/{name} (not in the data file; the shape wrangler needs)."""
    return {
        "id": s.name,
        "created_on": s.created_on,
        "modified_on": s.modified_on,
        "default_environment": {
            "environment": "production",
            "created_on": s.created_on,
            "modified_on": s.modified_on,
            "script": {
                "id": s.name,
                "tag": s.tag,
                "etag": s.etag,
                "tags": s.tags or [],
                "last_deployed_from": s.last_deployed_from,
                "handlers": ["fetch"],
            },
        },
    }


def _workflow_fields(w: Workflow) -> dict[str, Any]:
    """What every Workflow result carries."""
    return {
        "id": w.id,
        "name": w.name,
        "class_name": w.class_name,
        "script_name": w.script_name,
        "created_on": w.created_on,
        "modified_on": w.modified_on,
        "triggered_on": w.triggered_on,
    }


def workflow(w: Workflow, counts: dict[str, int]) -> dict[str, Any]:
    """List/get Workflow object (with instance counts per status)."""
    out: dict[str, Any] = {
        **_workflow_fields(w),
        "instances": {status: counts[status] for status in sorted(counts)},
    }
    if w.schedules:
        out["schedules"] = [{"cron": s["cron"], "next_instance": ""} for s in w.schedules]
    return out


def workflow_put(w: Workflow) -> dict[str, Any]:
    """PUT /workflows/{name} result: no instance counts, plus version and state fields."""
    return {
        **_workflow_fields(w),
        "version_id": w.version_id,
        "is_deleted": 0,
        "terminator_running": 0,
    }


def workflow_version(v: WorkflowVersion, *, detail: bool = False) -> dict[str, Any]:
    """A version as listed; its `detail` (GET .../versions/{id}) adds `default_retention`, as the spec has
    it only there."""
    out: dict[str, Any] = {
        "id": v.id,
        "workflow_id": v.workflow_id,
        "class_name": v.class_name,
        "created_on": v.created_on,
        "modified_on": v.modified_on,
        "has_dag": False,
        "language": v.language,
    }
    if v.limits:
        out["limits"] = v.limits
    if detail and v.default_retention:
        out["default_retention"] = v.default_retention  # milliseconds (the schema's integers)
    return out


def instance_created(i: Instance) -> dict[str, Any]:
    """POST .../instances (and each item of a batch)."""
    return {
        "id": i.id,
        "workflow_id": i.workflow_id,
        "version_id": i.version_id,
        "status": i.status,
        "trigger_source": i.trigger_source,
    }


def instance_item(i: Instance) -> dict[str, Any]:
    """GET .../instances: what creation returns, plus the timestamps."""
    return {
        **instance_created(i),
        "created_on": i.created_on,
        "modified_on": i.modified_on,
        "started_on": i.started_on,
        "ended_on": i.ended_on,
    }


def instance_details(i: Instance, *, simple: bool = False, descending: bool = False) -> dict[str, Any]:
    """GET .../instances/{id}: note the camelCase `versionId` the spec has here."""
    out: dict[str, Any] = {
        "params": i.params if i.params is not None else {},
        "trigger": {"source": i.trigger_source},
        "versionId": i.version_id,
        "queued": i.created_on,
        "start": i.started_on,
        "end": i.ended_on,
        "success": None if i.status not in ("complete", "errored") else i.status == "complete",
        "error": i.error,
        "status": i.status,
        "output": i.output,
        "step_count": len(i.steps),
    }
    # `simple=true` leaves the steps out; the schema still requires the key, so it comes back empty.
    out["steps"] = [] if simple else (list(reversed(i.steps)) if descending else list(i.steps))
    return out
