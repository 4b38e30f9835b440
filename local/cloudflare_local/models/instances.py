"""Workflow instances: creation (one or a batch), status changes, events and delete.

Instances are stored under their workflow, so deleting a workflow deletes them. The status transitions
are the ones the Workflows API allows; a refused one is a 409, as its spec declares for PATCH status.
These stored instances are what the API serves without a runtime (`--no-runtime`): there an instance stays
`queued`. With one, `cloudflare_local.runtime` answers instead, from the instances workerd runs; both are an
`InstanceService`, and the rules both follow (`refused`, `bad_state`, `refuse_event`) live here.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, Protocol

from cloudflare_local import errors
from cloudflare_local.errors import ApiError
from cloudflare_local.models.base import AccountBase
from cloudflare_local.models.records import TERMINAL_STATUSES, Instance, load, now
from cloudflare_local.validation import check_instance_id

if TYPE_CHECKING:
    from cloudflare_local.models.records import Workflow


ACTIONS = ("pause", "resume", "terminate", "restart")


def refused(status: str, action: str) -> bool:
    """Whether Cloudflare refuses `action` on an instance in `status`: no pause from paused or a final state,
    resume only from paused, no terminate from a final state; restart works from any."""
    if action == "pause":
        return status in TERMINAL_STATUSES or status == "paused"
    if action == "resume":
        return status != "paused"
    if action == "terminate":
        return status in TERMINAL_STATUSES
    return False


def bad_state(instance_id: str, status: str, action: str) -> ApiError:
    """The 409 the spec declares for a status change the instance's state does not allow."""
    return ApiError(
        errors.INSTANCE_BAD_STATE,
        f"Instance {instance_id!r} is {status}: it cannot be {action}d from that state",
        409,
    )


def check_action(action: object) -> str:
    if action not in ACTIONS:
        raise errors.invalid_body(f"status must be pause, resume, terminate or restart, got {action!r}")
    return str(action)


def refuse_event(instance_id: str, status: str) -> None:
    """A finished instance takes no events."""
    if status in TERMINAL_STATUSES:
        raise errors.invalid_body(f"Instance {instance_id!r} is {status}: it takes no events")


def plan_instances(
    workflow_name: str, items: list[Any], exists: Callable[[str], bool]
) -> list[tuple[str, dict[str, Any]]]:
    """(instance id, request) for each create request, every id checked before any instance is created: a
    string of the allowed form (a new uuid when none is given), not repeated in the batch, not `exists`."""
    planned: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            raise errors.invalid_body("each instance must be an object")
        instance_id = item.get("instance_id")
        if instance_id is None:
            instance_id = str(uuid.uuid4())
        if not isinstance(instance_id, str):
            raise errors.invalid_body("instance_id must be a string")
        check_instance_id(instance_id, in_body=True)
        if instance_id in seen or exists(instance_id):
            raise ApiError(
                errors.INSTANCE_ALREADY_EXISTS,
                f"Instance {instance_id!r} already exists in workflow {workflow_name!r}",
                400,
            )
        seen.add(instance_id)
        planned.append((instance_id, item))
    return planned


class InstanceService(Protocol):
    """What the instance endpoints call: an `Account` (stored instances) or the runtime's view of one
    account (`cloudflare_local.runtime.instances.RuntimeInstances`)."""

    def get_instance(self, workflow_name: str, instance_id: str) -> Instance: ...

    def list_instances(self, workflow_name: str, status: str | None = None) -> list[Instance]: ...

    def describe_instances(self, workflow_name: str, instances: list[Instance]) -> list[Instance]: ...

    def create_instances(
        self, workflow_name: str, items: list[dict[str, Any]], trigger_source: str = "api"
    ) -> list[Instance]: ...

    def change_instance_status(self, workflow_name: str, instance_id: str, action: str) -> Instance: ...

    def send_event(self, workflow_name: str, instance_id: str, event_type: str, payload: Any) -> object: ...

    def delete_instance(self, workflow_name: str, instance_id: str) -> None: ...

    def instance_counts(self, workflow_name: str) -> dict[str, int]: ...


class InstancesMixin(AccountBase):
    """The workflow instances of one account."""

    if TYPE_CHECKING:

        def get_workflow(self, name: str) -> Workflow: ...

    def get_instance(self, workflow_name: str, instance_id: str) -> Instance:
        self.get_workflow(workflow_name)
        instance = load(Instance, self.store.get(self.id, "instance", f"{workflow_name}/{instance_id}"))
        if instance is None:
            raise errors.instance_not_found(workflow_name, instance_id)
        return instance

    def list_instances(self, workflow_name: str, status: str | None = None) -> list[Instance]:
        self.get_workflow(workflow_name)
        found = [Instance(**d) for d in self.store.list(self.id, "instance", parent=workflow_name)]
        return [i for i in found if i.status == status] if status else found

    def describe_instances(self, workflow_name: str, instances: list[Instance]) -> list[Instance]:
        """The list endpoint's page in full: stored instances already are (a runtime lists summaries)."""
        return instances

    def create_instances(
        self, workflow_name: str, items: list[dict[str, Any]], trigger_source: str = "api"
    ) -> list[Instance]:
        """Create one or a batch of instances atomically (all ids checked before any is created)."""
        with self.backend.change():
            workflow = self.get_workflow(workflow_name)
            stamp = now()
            created: list[Instance] = []
            stored = functools.partial(self._stored, workflow_name)
            for instance_id, item in plan_instances(workflow_name, items, stored):
                instance = Instance(
                    id=instance_id,
                    workflow_name=workflow_name,
                    workflow_id=workflow.id,
                    version_id=workflow.version_id,
                    status="queued",
                    params=item.get("params"),
                    trigger_source=trigger_source,
                    created_on=stamp,
                    modified_on=stamp,
                    instance_retention=item.get("instance_retention"),
                )
                self._save_instance(instance)
                created.append(instance)
            workflow.triggered_on = stamp
            self.store.put(self.id, "workflow", workflow_name, asdict(workflow))
            return created

    def change_instance_status(self, workflow_name: str, instance_id: str, action: str) -> Instance:
        """pause / resume / terminate / restart, with the transitions Cloudflare allows (409 otherwise)."""
        check_action(action)
        with self.backend.change():
            instance = self.get_instance(workflow_name, instance_id)
            current = instance.status
            if refused(current, action):
                raise bad_state(instance.id, current, action)
            stamp = now()
            if action == "pause":
                instance.paused_from, instance.status = current, "paused"
            elif action == "resume":
                instance.status, instance.paused_from = instance.paused_from or "queued", None
            elif action == "terminate":
                instance.status, instance.ended_on = "terminated", stamp
            else:
                instance.status = "queued"
                instance.started_on = instance.ended_on = instance.output = instance.error = None
                instance.steps, instance.paused_from = [], None
            instance.modified_on = stamp
            self._save_instance(instance)
            return instance

    def send_event(self, workflow_name: str, instance_id: str, event_type: str, payload: Any) -> Instance:
        """Queue an event for the instance (a runtime delivers it to `step.waitForEvent`)."""
        with self.backend.change():
            instance = self.get_instance(workflow_name, instance_id)
            refuse_event(instance_id, instance.status)
            instance.events.append({"type": event_type, "payload": payload, "timestamp": now()})
            instance.modified_on = now()
            self._save_instance(instance)
            return instance

    def delete_instance(self, workflow_name: str, instance_id: str) -> None:
        with self.backend.change():
            self.get_instance(workflow_name, instance_id)
            self.store.delete(self.id, "instance", f"{workflow_name}/{instance_id}")

    def _stored(self, workflow_name: str, instance_id: str) -> bool:
        return self.store.get(self.id, "instance", f"{workflow_name}/{instance_id}") is not None

    def _save_instance(self, instance: Instance) -> None:
        self.store.put(
            self.id,
            "instance",
            f"{instance.workflow_name}/{instance.id}",
            asdict(instance),
            instance.workflow_name,
        )
