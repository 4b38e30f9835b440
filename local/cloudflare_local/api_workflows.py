"""Workflows endpoints: workflows, versions, instances, status changes, events.

https://developers.cloudflare.com/api/resources/workflows/ documents them.
"""

from __future__ import annotations

from typing import Any

from cloudflare_local import errors, views
from cloudflare_local.api import Call, Reply, Route, checked, decode_cursor, encode_cursor, page
from cloudflare_local.models import INSTANCE_STATUSES, TERMINAL_STATUSES, InstanceService, now
from cloudflare_local.models.instances import check_action
from cloudflare_local.validation import check_event_type, check_instance_id, check_workflow_name

WF = "/accounts/<account_id>/workflows/<workflow_name>"
INSTANCE = f"{WF}/instances/<instance_id>"


def instances(call: Call) -> InstanceService:
    """The account's instances as the API serves them: the runtime's, or the stored ones (--no-runtime)."""
    return call.backend.instances(call.account)


def list_workflows(call: Call) -> Reply:
    per_page = call.arg_int("per_page", 10, 1, 100)
    number = call.arg_int("page", 1, 1, 1_000_000)
    search = call.arg("search")
    found = call.account.list_workflows(search)
    chunk, info = page(found, number, per_page)
    counts = instances(call).instance_counts
    return Reply([views.workflow(w, counts(w.name)) for w in chunk], result_info=info)


def get_workflow(call: Call, workflow_name: str) -> Reply:
    workflow = call.account.get_workflow(workflow_name)
    return Reply(views.workflow(workflow, instances(call).instance_counts(workflow_name)))


def put_workflow(call: Call, workflow_name: str) -> Reply:
    return Reply(views.workflow_put(call.account.put_workflow(workflow_name, call.json_object())))


def delete_workflow(call: Call, workflow_name: str) -> Reply:
    call.account.delete_workflow(workflow_name)
    return Reply({"status": "ok", "success": True})


def list_versions(call: Call, workflow_name: str) -> Reply:
    per_page = call.arg_int("per_page", 10, 1, 100)
    number = call.arg_int("page", 1, 1, 1_000_000)
    versions = list(reversed(call.account.list_workflow_versions(workflow_name)))
    chunk, info = page(versions, number, per_page)
    return Reply([views.workflow_version(v) for v in chunk], result_info=info)


def get_version(call: Call, workflow_name: str, version_id: str) -> Reply:
    version = call.account.get_workflow_version(workflow_name, version_id)
    return Reply(views.workflow_version(version, detail=True))


def list_instances(call: Call, workflow_name: str) -> Reply:
    """Newest first by default; `page`, `per_page` and `cursor` all work (clients use each)."""
    per_page = call.arg_int("per_page", 50, 1, 100)
    status = call.arg("status")
    if status and status not in INSTANCE_STATUSES:
        raise errors.malformed_param("status", status, f"one of {list(INSTANCE_STATUSES)}")
    direction = call.arg("direction") or "desc"
    if direction not in ("asc", "desc"):
        raise errors.malformed_param("direction", direction, "asc or desc")
    service = instances(call)
    found = service.list_instances(workflow_name, status or None)
    date_start, date_end = call.arg("date_start"), call.arg("date_end")
    if date_start:
        found = [i for i in found if i.created_on >= date_start]
    if date_end:
        found = [i for i in found if i.created_on <= date_end]
    if direction == "desc":
        found.reverse()
    cursor = call.arg("cursor")
    if cursor:
        offset = decode_cursor(cursor)
        number = offset // per_page + 1
        chunk = found[offset : offset + per_page]
        info: dict[str, Any] = {"per_page": per_page, "count": len(chunk), "total_count": len(found)}
    else:
        number = call.arg_int("page", 1, 1, 1_000_000)
        offset = (number - 1) * per_page
        chunk, info = page(found, number, per_page)
    if offset + per_page < len(found):
        info["cursor"] = encode_cursor(offset + per_page)
    chunk = service.describe_instances(workflow_name, chunk)
    return Reply([views.instance_item(i) for i in chunk], result_info=info)


def create_instance(call: Call, workflow_name: str) -> Reply:
    body = call.json_object()
    created = instances(call).create_instances(workflow_name, [body])
    return Reply(views.instance_created(created[0]))


def create_batch(call: Call, workflow_name: str) -> Reply:
    body = call.json(default=None)
    if not isinstance(body, list) or not 1 <= len(body) <= 100:
        raise errors.invalid_body("expected an array of 1-100 instance requests")
    return Reply([views.instance_created(i) for i in instances(call).create_instances(workflow_name, body)])


def batch_terminate(call: Call, workflow_name: str) -> Reply:
    body = call.json(default=None)
    if isinstance(body, dict):
        body = body.get("instance_ids")
    if not isinstance(body, list) or not 1 <= len(body) <= 100 or not all(isinstance(i, str) for i in body):
        raise errors.invalid_body("expected an array of 1-100 instance ids")
    terminated = 0
    service = instances(call)
    for instance_id in body:
        instance = service.get_instance(workflow_name, instance_id)
        if instance.status not in TERMINAL_STATUSES:
            service.change_instance_status(workflow_name, instance_id, "terminate")
            terminated += 1
    return Reply({"status": "ok", "instancesTerminated": terminated})


def terminate_status(call: Call, workflow_name: str) -> Reply:
    call.account.get_workflow(workflow_name)
    return Reply({"status": "not_running"})


def get_instance(call: Call, workflow_name: str, instance_id: str) -> Reply:
    check_instance_id(instance_id)
    instance = instances(call).get_instance(workflow_name, instance_id)
    simple = (call.arg("simple") or "").lower() == "true"
    order = call.arg("order") or "asc"
    if order not in ("asc", "desc"):
        raise errors.malformed_param("order", order, "asc or desc")
    return Reply(views.instance_details(instance, simple=simple, descending=order == "desc"))


def delete_instance(call: Call, workflow_name: str, instance_id: str) -> Reply:
    check_instance_id(instance_id)
    instances(call).delete_instance(workflow_name, instance_id)
    return Reply({"instanceId": instance_id, "timestamp": now()})


def patch_status(call: Call, workflow_name: str, instance_id: str) -> Reply:
    check_instance_id(instance_id)
    body = call.json_object()
    action = check_action(body.get("status"))
    instance = instances(call).change_instance_status(workflow_name, instance_id, action)
    return Reply({"status": instance.status, "timestamp": instance.modified_on})


def send_event(call: Call, workflow_name: str, instance_id: str, event_type: str) -> Reply:
    check_instance_id(instance_id)
    check_event_type(event_type)
    instances(call).send_event(workflow_name, instance_id, event_type, call.json(default=None))
    return Reply({})


def get_settings(call: Call) -> Reply:
    return Reply(call.account.workflow_settings())


def patch_settings(call: Call) -> Reply:
    body = call.json_object()
    unknown = set(body) - {"default_retention"}
    if unknown:
        raise errors.invalid_body(f"unknown settings {sorted(unknown)}")
    return Reply(call.account.patch_workflow_settings(body))


def routes() -> list[Route]:
    w = checked("workflow_name", check_workflow_name)
    return [
        ("/accounts/<account_id>/workflows", ["GET"], list_workflows),
        ("/accounts/<account_id>/workflows/settings", ["GET"], get_settings),
        ("/accounts/<account_id>/workflows/settings", ["PATCH"], patch_settings),
        (WF, ["GET"], w(get_workflow)),
        (WF, ["PUT"], w(put_workflow)),
        (WF, ["DELETE"], w(delete_workflow)),
        (f"{WF}/versions", ["GET"], w(list_versions)),
        (f"{WF}/versions/<version_id>", ["GET"], w(get_version)),
        (f"{WF}/instances", ["GET"], w(list_instances)),
        (f"{WF}/instances", ["POST"], w(create_instance)),
        (f"{WF}/instances/batch", ["POST"], w(create_batch)),
        (f"{WF}/instances/batch/terminate", ["POST"], w(batch_terminate)),
        (f"{WF}/instances/terminate", ["GET"], w(terminate_status)),
        (INSTANCE, ["GET"], w(get_instance)),
        (INSTANCE, ["DELETE"], w(delete_instance)),
        (f"{INSTANCE}/status", ["PATCH"], w(patch_status)),
        (f"{INSTANCE}/events/<event_type>", ["POST"], w(send_event)),
    ]
