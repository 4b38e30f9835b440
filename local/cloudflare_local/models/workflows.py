"""Workflows: the upsert by name, workflow versions, delete, and the account's workflow settings.

A workflow only names a class in a Worker script, so `put_workflow` checks that the script exists and
that its deployed version exports the class. A PUT that changes class, script, limits or default retention
makes a new `WorkflowVersion`; new instances run on the workflow's current version.

`schedules` (the workflow's cron triggers) and `default_retention` (its version's) are kept when a PUT
leaves them out, as wrangler's deploys assume ("if schedules is not defined then we just leave whatever is
previously deployed alone"); `[]` and `{}` clear them. `limits` is the version's as sent: left out, none.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from cloudflare_local import errors
from cloudflare_local.errors import ApiError
from cloudflare_local.models.base import AccountBase
from cloudflare_local.models.records import Workflow, WorkflowVersion, load, now
from cloudflare_local.validation import (
    check_class_name,
    check_retention,
    check_schedules,
    check_workflow_name,
)

if TYPE_CHECKING:
    from cloudflare_local.models.records import Script, ScriptVersion


class WorkflowsMixin(AccountBase):
    """The workflows of one account."""

    if TYPE_CHECKING:

        def find_script(self, name: str) -> Script | None: ...

        def get_version(self, script_name: str, version_id: str) -> ScriptVersion: ...

    def get_workflow(self, name: str) -> Workflow:
        workflow = load(Workflow, self.store.get(self.id, "workflow", name))
        if workflow is None:
            raise errors.workflow_not_found(name)
        return workflow

    def list_workflows(self, search: str | None = None) -> list[Workflow]:
        found = [Workflow(**doc) for doc in self.store.list(self.id, "workflow")]
        if search:
            found = [w for w in found if search.lower() in w.name.lower()]
        return found

    def instance_counts(self, workflow_name: str) -> dict[str, int]:
        return self.store.count_by(self.id, "instance", workflow_name, "status")

    def put_workflow(self, name: str, body: dict[str, Any]) -> Workflow:
        """PUT /workflows/{name}: an upsert; a new version when class, script, limits or retention change."""
        check_workflow_name(name)
        class_name = check_class_name(body.get("class_name"), "PUT workflow")
        script_name = body.get("script_name")
        if not isinstance(script_name, str) or not 1 <= len(script_name) <= 255:
            raise errors.invalid_body("script_name is required (1-255 chars)")
        limits = body.get("limits")
        if limits is not None:
            steps = limits.get("steps") if isinstance(limits, dict) else None
            if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
                raise errors.invalid_body("limits.steps must be an integer >= 1")
        schedules = check_schedules(body["schedules"]) if "schedules" in body else None
        retention = check_retention(body["default_retention"]) if "default_retention" in body else None
        with self.backend.change():
            self._check_host(name, script_name, class_name)
            stamp = now()
            existing = load(Workflow, self.store.get(self.id, "workflow", name))
            workflow = existing or Workflow(
                id=str(uuid.uuid4()),
                name=name,
                class_name=class_name,
                script_name=script_name,
                created_on=stamp,
                modified_on=stamp,
                version_id="",
            )
            # Left out: the current one; `{}`: none.
            retention = workflow.default_retention if retention is None else (retention or None)
            changed = existing is None or (
                workflow.class_name,
                workflow.script_name,
                workflow.limits,
                workflow.default_retention,
            ) != (class_name, script_name, limits, retention)
            workflow.class_name, workflow.script_name, workflow.limits = class_name, script_name, limits
            workflow.default_retention = retention
            if schedules is not None:
                workflow.schedules = schedules
            workflow.modified_on = stamp
            if changed:
                version = WorkflowVersion(
                    id=str(uuid.uuid4()),
                    workflow_id=workflow.id,
                    workflow_name=name,
                    class_name=class_name,
                    script_name=script_name,
                    created_on=stamp,
                    modified_on=stamp,
                    limits=limits,
                    default_retention=retention,
                )
                self.store.put(self.id, "workflow_version", f"{name}/{version.id}", asdict(version), name)
                workflow.version_id = version.id
            self.store.put(self.id, "workflow", name, asdict(workflow))
            return workflow

    def _check_host(self, name: str, script_name: str, class_name: str) -> None:
        """The script must exist, and its deployed version must export the class (when that is known)."""
        script = self.find_script(script_name)
        if script is None:
            raise ApiError(
                errors.WORKFLOW_SCRIPT_NOT_FOUND,
                f"Script {script_name!r} does not exist on this account: deploy the Worker that exports "
                f"{class_name!r} before creating workflow {name!r}",
                400,
            )
        if self.get_version(script_name, script.deployed_version_id).exports_class(class_name) is False:
            raise ApiError(
                errors.WORKFLOW_CLASS_NOT_EXPORTED,
                f"Class {class_name!r} is not exported by script {script_name!r}: export it from the "
                f"script's main module (or fix class_name) before updating workflow {name!r}",
                400,
            )

    def delete_workflow(self, name: str) -> None:
        """Deletes the workflow, its versions and instances; never the Worker behind it."""
        with self.backend.change():
            self.get_workflow(name)
            self.store.delete(self.id, "workflow", name)
            self.store.delete_children(self.id, "workflow_version", name)
            self.store.delete_children(self.id, "instance", name)

    def list_workflow_versions(self, name: str) -> list[WorkflowVersion]:
        self.get_workflow(name)
        return [WorkflowVersion(**d) for d in self.store.list(self.id, "workflow_version", parent=name)]

    def get_workflow_version(self, name: str, version_id: str) -> WorkflowVersion:
        self.get_workflow(name)
        version = load(WorkflowVersion, self.store.get(self.id, "workflow_version", f"{name}/{version_id}"))
        if version is None:
            raise ApiError(
                errors.WORKFLOW_VERSION_NOT_FOUND, f"Workflow version not found: {version_id}", 404
            )
        return version

    def workflow_settings(self) -> dict[str, Any]:
        return self.store.get(self.id, "settings", "workflows") or {}

    def patch_workflow_settings(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Retention values are stored (and returned) as milliseconds, as Cloudflare answers them."""
        retention = changes.get("default_retention")
        if retention is not None:
            changes = {"default_retention": check_retention(retention)}
        with self.backend.change():
            settings = {**self.workflow_settings(), **changes}
            self.store.put(self.id, "settings", "workflows", settings)
            return settings
