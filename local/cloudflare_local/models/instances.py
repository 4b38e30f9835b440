"""Workflow instances: creation (one or a batch), status changes, events, progress and delete.

Instances are stored under their workflow, so deleting a workflow deletes them. The status transitions
are the ones the Workflows API allows; a refused one is a 409, as its spec declares for PATCH status.
Without a runtime an instance stays `queued`; `update_instance` is how a runtime records progress.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from cloudflare_local import errors
from cloudflare_local.errors import ApiError
from cloudflare_local.models.base import AccountBase
from cloudflare_local.models.records import TERMINAL_STATUSES, Instance, load, now
from cloudflare_local.validation import check_instance_id

if TYPE_CHECKING:
    from cloudflare_local.models.records import Workflow


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

    def create_instances(
        self, workflow_name: str, items: list[dict[str, Any]], trigger_source: str = "api"
    ) -> list[Instance]:
        """Create one or a batch of instances atomically (all ids checked before any is created)."""
        with self.backend.change():
            workflow = self.get_workflow(workflow_name)
            stamp = now()
            created: list[Instance] = []
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
                key = f"{workflow_name}/{instance_id}"
                if instance_id in seen or self.store.get(self.id, "instance", key) is not None:
                    raise ApiError(
                        errors.INSTANCE_ALREADY_EXISTS,
                        f"Instance {instance_id!r} already exists in workflow {workflow_name!r}",
                        400,
                    )
                seen.add(instance_id)
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
        with self.backend.change():
            instance = self.get_instance(workflow_name, instance_id)
            current = instance.status
            stamp = now()
            if action == "pause":
                if current in TERMINAL_STATUSES or current == "paused":
                    raise self._bad_state(instance, action)
                instance.paused_from, instance.status = current, "paused"
            elif action == "resume":
                if current != "paused":
                    raise self._bad_state(instance, action)
                instance.status, instance.paused_from = instance.paused_from or "queued", None
            elif action == "terminate":
                if current in TERMINAL_STATUSES:
                    raise self._bad_state(instance, action)
                instance.status, instance.ended_on = "terminated", stamp
            elif action == "restart":
                instance.status = "queued"
                instance.started_on = instance.ended_on = instance.output = instance.error = None
                instance.steps, instance.paused_from = [], None
            else:
                raise errors.invalid_body(
                    f"status must be pause, resume, terminate or restart, got {action!r}"
                )
            instance.modified_on = stamp
            self._save_instance(instance)
            return instance

    @staticmethod
    def _bad_state(instance: Instance, action: str) -> ApiError:
        return ApiError(
            errors.INSTANCE_BAD_STATE,
            f"Instance {instance.id!r} is {instance.status}: it cannot be {action}d from that state",
            409,
        )

    def send_event(self, workflow_name: str, instance_id: str, event_type: str, payload: Any) -> Instance:
        """Queue an event for the instance (a runtime delivers it to `step.waitForEvent`)."""
        with self.backend.change():
            instance = self.get_instance(workflow_name, instance_id)
            if instance.status in TERMINAL_STATUSES:
                raise errors.invalid_body(
                    f"Instance {instance_id!r} is {instance.status}: it takes no events"
                )
            instance.events.append({"type": event_type, "payload": payload, "timestamp": now()})
            instance.modified_on = now()
            self._save_instance(instance)
            return instance

    def delete_instance(self, workflow_name: str, instance_id: str) -> None:
        with self.backend.change():
            self.get_instance(workflow_name, instance_id)
            self.store.delete(self.id, "instance", f"{workflow_name}/{instance_id}")

    def update_instance(self, workflow_name: str, instance_id: str, **changes: Any) -> Instance:
        """For a runtime: record progress (status, started_on, output, steps...) as it happens."""
        with self.backend.change():
            instance = self.get_instance(workflow_name, instance_id)
            for key, value in changes.items():
                if not hasattr(instance, key):
                    raise AttributeError(key)
                setattr(instance, key, value)
            instance.modified_on = now()
            self._save_instance(instance)
            return instance

    def _save_instance(self, instance: Instance) -> None:
        self.store.put(
            self.id,
            "instance",
            f"{instance.workflow_name}/{instance.id}",
            asdict(instance),
            instance.workflow_name,
        )
