"""The instance endpoints answered from the runtime: one account's workflow instances as workerd runs them.

An instance a Worker started (`env.ORDERS.create(...)`) and one started through the API are the same
engine in workerd, listed, described and driven alike. The API's rules are the stored path's
(models/instances.py: the transitions it refuses, no events to a finished instance, no duplicate id);
the shapes are translated by shapes.py. Instances created through the API are recorded (`runtime_instance`
documents) so they can say `trigger_source: api`.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Protocol

from cloudflare_local import errors
from cloudflare_local.errors import ApiError
from cloudflare_local.models import Instance, Workflow, now
from cloudflare_local.models.instances import (
    bad_state,
    check_action,
    plan_instances,
    refuse_event,
    refused,
)
from cloudflare_local.runtime import shapes
from cloudflare_local.runtime.explorer import Explorer

if TYPE_CHECKING:
    from cloudflare_local.models import Account

ORIGIN = "runtime_instance"
VISIBLE_TIMEOUT = 5.0


class Running(Protocol):
    """What the instances need from the runtime."""

    explorer: Explorer

    def designator(self, account_id: str, workflow_name: str) -> dict[str, Any] | None: ...

    def drop_instance(self, workflow: str, instance_id: str) -> None: ...


class RuntimeInstances:
    """`InstanceService` over the runtime, for one account."""

    def __init__(self, account: Account, runtime: Running) -> None:
        self.account = account
        self.runtime = runtime
        self.explorer = runtime.explorer

    # -- reads -------------------------------------------------------------------------------------
    def get_instance(self, workflow_name: str, instance_id: str) -> Instance:
        workflow, name = self._running(workflow_name)
        detail = self.explorer.describe(name, instance_id)
        if detail is None or detail.get("status") is None:
            raise errors.instance_not_found(workflow_name, instance_id)
        return shapes.instance(
            workflow,
            self.account.list_workflow_versions(workflow_name),
            instance_id,
            detail,
            self._origin(workflow_name, instance_id),
        )

    def list_instances(self, workflow_name: str, status: str | None = None) -> list[Instance]:
        """Summaries, oldest first (the endpoint describes the page it returns). A `running` one is read
        in full: it may be `waiting` (in a sleep, or for an event)."""
        workflow, name = self._running(workflow_name)
        versions = self.account.list_workflow_versions(workflow_name)
        from_api = {doc["id"] for doc in self._origins(workflow_name)}
        found = []
        for item in self.explorer.instances(name):
            if item.get("status") is None:
                continue  # an engine that never started is no instance
            summary = shapes.summary(workflow, versions, item, "api" if item["id"] in from_api else "binding")
            if summary.status == "running":
                detail = self.explorer.describe(name, summary.id)
                summary.status = shapes.detailed_status(detail) if detail else summary.status
            found.append(summary)
        found.sort(key=lambda i: i.created_on)
        return [i for i in found if i.status == status] if status else found

    def describe_instances(self, workflow_name: str, instances: list[Instance]) -> list[Instance]:
        out = []
        for summary in instances:
            try:
                out.append(self.get_instance(workflow_name, summary.id))
            except ApiError:
                out.append(summary)  # deleted since it was listed
        return out

    def instance_counts(self, workflow_name: str) -> dict[str, int]:
        """Instances per status; none for a workflow that is not running (it still has its other fields)."""
        if self.runtime.designator(self.account.id, workflow_name) is None:
            return {}
        counts: dict[str, int] = {}
        for instance in self.list_instances(workflow_name):
            counts[instance.status] = counts.get(instance.status, 0) + 1
        return counts

    # -- writes ------------------------------------------------------------------------------------
    def create_instances(
        self, workflow_name: str, items: list[dict[str, Any]], trigger_source: str = "api"
    ) -> list[Instance]:
        """Every id is checked (valid, unique, unused) before any instance starts: all or nothing."""
        workflow, name = self._running(workflow_name)
        planned = plan_instances(workflow_name, items, lambda i: self._exists(name, i))
        stamp = now()
        created = []
        for instance_id, item in planned:
            params = item.get("params")
            self.explorer.create(name, instance_id, params if params is not None else {})
            created.append(
                Instance(
                    id=instance_id,
                    workflow_name=workflow_name,
                    workflow_id=workflow.id,
                    version_id=workflow.version_id,
                    status="queued",
                    params=params,
                    trigger_source=trigger_source,
                    created_on=stamp,
                    modified_on=stamp,
                    instance_retention=item.get("instance_retention"),
                )
            )
        for instance in created:
            self._visible(name, instance.id)
        self._record(workflow, created, stamp)
        return created

    def change_instance_status(self, workflow_name: str, instance_id: str, action: str) -> Instance:
        check_action(action)
        current = self.get_instance(workflow_name, instance_id)
        if refused(current.status, action):
            raise bad_state(instance_id, current.status, action)
        _, name = self._running(workflow_name)
        self.explorer.change_status(name, instance_id, action)
        return self.get_instance(workflow_name, instance_id)

    def send_event(self, workflow_name: str, instance_id: str, event_type: str, payload: Any) -> None:
        current = self.get_instance(workflow_name, instance_id)
        refuse_event(instance_id, current.status)
        _, name = self._running(workflow_name)
        self.explorer.send_event(name, instance_id, event_type, payload)

    def delete_instance(self, workflow_name: str, instance_id: str) -> None:
        """The engine is dropped (storage and live object), then its file is removed."""
        self.get_instance(workflow_name, instance_id)
        _, name = self._running(workflow_name)
        self.runtime.drop_instance(name, instance_id)
        self.explorer.delete(name, instance_id)
        with self.account.backend.change():
            self.account.store.delete(self.account.id, ORIGIN, f"{workflow_name}/{instance_id}")

    # -- helpers -----------------------------------------------------------------------------------
    def _running(self, workflow_name: str) -> tuple[Workflow, str]:
        """The workflow and its name in workerd; refused when workerd does not run it."""
        workflow = self.account.get_workflow(workflow_name)
        designator = self.runtime.designator(self.account.id, workflow_name)
        if designator is None:
            raise ApiError(
                errors.WORKFLOW_SCRIPT_NOT_FOUND,
                f"Workflow {workflow_name!r} is not running: deploy script {workflow.script_name!r} "
                f"exporting {workflow.class_name!r} to start or read its instances",
                400,
            )
        return workflow, str(designator["name"])

    def _visible(self, name: str, instance_id: str) -> None:
        """The engine starts an instance after `create` returns; a client that reads it next must find it."""
        deadline = time.monotonic() + VISIBLE_TIMEOUT
        while not self._exists(name, instance_id) and time.monotonic() < deadline:
            time.sleep(0.005)

    def _exists(self, name: str, instance_id: str) -> bool:
        detail = self.explorer.describe(name, instance_id)
        return detail is not None and detail.get("status") is not None

    def _origin(self, workflow_name: str, instance_id: str) -> str:
        found = self.account.store.get(self.account.id, ORIGIN, f"{workflow_name}/{instance_id}")
        return str(found["trigger_source"]) if found else "binding"

    def _origins(self, workflow_name: str) -> list[dict[str, Any]]:
        return self.account.store.list(self.account.id, ORIGIN, parent=workflow_name)

    def _record(self, workflow: Workflow, created: list[Instance], stamp: str) -> None:
        """Remember which instances came through the API, and when the workflow was last triggered."""
        with self.account.backend.change():
            for instance in created:
                doc = {"id": instance.id, "trigger_source": instance.trigger_source}
                self.account.store.put(
                    self.account.id, ORIGIN, f"{workflow.name}/{instance.id}", doc, workflow.name
                )
            current = self.account.get_workflow(workflow.name)
            current.triggered_on = stamp
            self.account.store.put(self.account.id, "workflow", workflow.name, asdict(current))
