"""Explorer shapes -> Cloudflare's instance records (pure).

The runtime's instances come back as the `Instance` records the stored path keeps, so `views.py` renders
both alike. What Miniflare's engine does not know is filled in the way Cloudflare would have it:

- `version_id`: the workflow version that was current when the instance was queued;
- `trigger_source`: `api` for instances created through the API (recorded when they are), else `binding`;
- step names without the engine's `-<n>` counter (`charge-1` is the first step named `charge`);
- `modified_on`: the latest time the instance shows;
- `waiting` for an instance in a sleep or a `waitForEvent` (Miniflare's engine says `running` there).

Known difference: an unfinished `sleep` or `waitForEvent` step has `end: null` (the explorer does not say
when it will end), where Cloudflare's schema wants a time.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from cloudflare_local.models import INSTANCE_STATUSES, Instance, Workflow, WorkflowVersion

_COUNTER = re.compile(r"-\d+$")
WAITS = ("sleep", "waitForEvent")


def status(value: object) -> str:
    """The engine's status name (Cloudflare's names); an engine that never started is `queued`."""
    return value if isinstance(value, str) and value in INSTANCE_STATUSES else "queued"


def detailed_status(detail: dict[str, Any]) -> str:
    """The status as Cloudflare gives it: `waiting` while the instance sleeps or waits for an event."""
    found = status(detail.get("status"))
    ran = detail.get("steps") or []
    if found == "running" and ran and ran[-1].get("type") in WAITS and not ran[-1].get("finished"):
        return "waiting"
    return found


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def version_at(versions: list[WorkflowVersion], stamp: str | None) -> str | None:
    """The id of the workflow version current at `stamp` (the oldest one for an earlier stamp)."""
    if not versions:
        return None
    ordered = sorted(versions, key=lambda v: _when(v.created_on))
    if not stamp:
        return ordered[-1].id
    at = _when(stamp)
    current = ordered[0].id
    for version in ordered:
        if _when(version.created_on) <= at:
            current = version.id
    return current


def error(value: object) -> dict[str, str] | None:
    if value is None:
        return None
    if isinstance(value, dict) and "message" in value:
        return {"name": str(value.get("name") or "Error"), "message": str(value["message"])}
    return {"name": "Error", "message": str(value)}


def step(item: dict[str, Any]) -> dict[str, Any]:
    """One explorer step as a Cloudflare step (the engine's counter taken off the name)."""
    out = dict(item)
    if isinstance(out.get("name"), str):
        out["name"] = _COUNTER.sub("", out["name"])
    if out.get("type") == "step":
        out.setdefault("output", None)
        out["attempts"] = [{**a, "error": error(a.get("error"))} for a in out.get("attempts") or []]
    elif "error" in out:
        out["error"] = error(out["error"])
    return out


def modified_on(detail: dict[str, Any], fallback: str) -> str:
    stamps = [detail.get(k) for k in ("queued", "start", "end")]
    for item in detail.get("steps") or []:
        stamps += [item.get("start"), item.get("end")]
        stamps += [a.get(k) for a in item.get("attempts") or [] for k in ("start", "end")]
    known = [s for s in stamps if isinstance(s, str) and s]
    return max(known, key=_when) if known else fallback


def instance(
    workflow: Workflow,
    versions: list[WorkflowVersion],
    instance_id: str,
    detail: dict[str, Any],
    trigger_source: str,
    created_on: str | None = None,
) -> Instance:
    """An explorer description as the instance record GET .../instances/{id} renders."""
    queued = str(detail.get("queued") or created_on or "")
    return Instance(
        id=instance_id,
        workflow_name=workflow.name,
        workflow_id=workflow.id,
        version_id=version_at(versions, queued) or workflow.version_id,
        status=detailed_status(detail),
        params=detail.get("params"),
        trigger_source=trigger_source,
        created_on=created_on or queued,
        modified_on=modified_on(detail, queued),
        started_on=detail.get("start"),
        ended_on=detail.get("end"),
        output=detail.get("output"),
        error=error(detail.get("error")),
        steps=[step(s) for s in detail.get("steps") or []],
    )


def summary(
    workflow: Workflow, versions: list[WorkflowVersion], item: dict[str, Any], trigger_source: str
) -> Instance:
    """An explorer list item (id, status, created_on) as a record; the list endpoint describes its page."""
    created = str(item.get("created_on") or "")
    return Instance(
        id=str(item["id"]),
        workflow_name=workflow.name,
        workflow_id=workflow.id,
        version_id=version_at(versions, created) or workflow.version_id,
        status=status(item.get("status")),
        params=None,
        trigger_source=trigger_source,
        created_on=created,
        modified_on=created,
    )
