"""``WorkflowProvider``: the Workflow resource (``pulumi-python:dynamic/cloudflare:Workflow``).

Lifecycle (id = workflow name):

- ``check``: normalise and validate; a workflow no Worker hosts and with no ``script_name`` fails here.
- ``diff``: pure (:mod:`.plan`); ``account_id``/``workflow_name`` replace; ``class_name``, ``script_name``,
  ``limits``, ``schedules`` and ``default_retention`` update in place.
- ``create``: GET first and refuse to take over an existing workflow unless ``adopt``; for a derived
  (default) name, also refuse when another workflow already runs the same class of the same script (a logical
  rename without an alias; not checked on a script this deployment created, see ``handover.fresh_script``);
  then PUT.
- ``update``: PUT (an upsert keyed by name): a class rename keeps the workflow's id and its instances.
  ``schedules`` and ``default_retention`` are sent only when the program sets them, or to clear what it set
  (:func:`.workflow_settings.settings_to_wire`).
- ``read``: GET; drift in class/script/schedules shows as changed inputs, limits and retention from the newest
  version; only what the program manages is read back; only Cloudflare's not-found codes read as gone.
- ``delete``: GET, then DELETE, tolerating not-found; leaves alone a workflow another resource of this update
  took over, one this update re-created under a derived name (a rename), and one whose id is not the one this
  state created.

The rules these steps implement are stated once, in docs/sdk.md ("The rules").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, ReadResult, UpdateResult

from . import plan, rules, workflow_settings
from .base import CloudflareProvider, reported
from .cloudflare.client import CloudflareClient
from .cloudflare.errors import AlreadyExistsError, NotFoundError
from .diagnostics import warn
from .handover import (
    WORKFLOW,
    fresh_script,
    handed_over,
    record_derived_workflow,
    record_handover,
    record_kept_script,
    renamed_into,
)

__all__ = ["WorkflowProvider", "rename_guard", "takeover_refusal"]


ALIAS_HINT = 'opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="<old logical name>")])'


def takeover_refusal(
    account_id: str,
    workflow_name: str,
    remote: Mapping[str, Any],
    ours: Mapping[str, Any] | None = None,
    url: str | None = None,
) -> AlreadyExistsError:
    """The error ``create`` raises when the workflow name is taken and ``adopt`` is off.

    It leads with the alias (a logical rename is the common cause, and adopting there used to cost the live
    workflow). When the existing workflow already points at the script and class this create would register
    (`ours`), an interrupted create of this stack is the other likely cause, and the details say so.
    """
    path = f"/accounts/{account_id}/workflows/{workflow_name}"
    same_target = bool(ours) and (remote.get("script_name"), remote.get("class_name")) == (
        (ours or {}).get("script_name"),
        (ours or {}).get("class_name"),
    )
    if same_target:
        other = (
            "It already points at the script and class this resource registers: if an earlier `up` of this "
            "stack was interrupted while creating it (and no resource was renamed), pass adopt=True for one "
            "`up` to take it back."
        )
    else:
        other = (
            "To manage a workflow created outside this stack, import it unchanged with "
            f'opts=pulumi.ResourceOptions(import_="{account_id}/{workflow_name}"), or take it over with '
            "adopt=True; otherwise choose another workflow_name."
        )
    return AlreadyExistsError(
        f"Workflow {workflow_name!r} already exists in account {account_id} and is not this resource's "
        f"(script {remote.get('script_name')!r}, class {remote.get('class_name')!r}, id {remote.get('id')})",
        hint=f"if you renamed this resource, keep the workflow's identity with {ALIAS_HINT}",
        details=(
            "A Workflow's Pulumi logical name is its immutable stable identifier. If this is a replacement "
            "that keeps the name (`pulumi up --replace`, replace_on_changes), set opts="
            f"pulumi.ResourceOptions(delete_before_replace=True) so the old one is deleted first. {other}"
        ),
        method="GET",
        path=path,
        url=url,
    )


def rename_refusal(
    account_id: str,
    workflow_name: str,
    class_name: str,
    script_name: str,
    sibling: Mapping[str, Any],
    url: str | None = None,
) -> AlreadyExistsError:
    """The error ``create`` raises when a derived-name workflow would duplicate a live one (a rename).

    A default ``workflow_name`` follows the logical name, so renaming the resource without an alias would
    create a second workflow on the same class and then delete the live one (and its history) at the end of
    the update. Refusing here, before anything is created, keeps the live workflow.
    """
    old = _old_logical_name(workflow_name, str(sibling.get("name") or ""))
    alias = ALIAS_HINT.replace("<old logical name>", old) if old else ALIAS_HINT
    return AlreadyExistsError(
        f"Workflow {workflow_name!r} not created: workflow {sibling.get('name')!r} (id {sibling.get('id')}) "
        f"already runs class {class_name!r} of script {script_name!r}",
        hint=f"if you renamed this resource, keep the live workflow with {alias}",
        details=(
            "Its name was derived from the Pulumi logical name, the workflow's immutable stable identifier, "
            "so a rename without an alias would create a second workflow and then delete the live one. To "
            "run a second workflow on the same class on purpose, give this one an explicit workflow_name."
        ),
        method="GET",
        path=f"/accounts/{account_id}/workflows",
        url=url,
    )


def _old_logical_name(new_name: str, old_name: str) -> str | None:
    """The logical name the live workflow's derived name came from: derived names are
    ``{project}-{stack}-{logical name}``, so the part after the prefix both names share (up to a '-')."""
    shared = 0
    while shared < min(len(new_name), len(old_name)) and new_name[shared] == old_name[shared]:
        shared += 1
    cut = old_name.rfind("-", 0, shared + 1)
    return old_name[cut + 1 :] if cut > 0 and old_name[cut + 1 :] else None


def rename_guard(client: Any, account: str, workflow_name: str, class_name: str, script_name: str) -> None:
    """Refuses a derived ``workflow_name`` that does not exist yet when another workflow already runs the same
    class of the same script: a logical rename without an alias. The Workflow's ``create`` runs it, and so
    does its host Worker's ``update`` before it uploads a binding to the new name (it would bind the live
    script to a workflow that never comes)."""
    sibling = _sibling(client.list_workflows(account), workflow_name, class_name, script_name)
    if sibling is not None:
        where = client.url(f"/accounts/{account}/workflows")
        raise rename_refusal(account, workflow_name, class_name, script_name, sibling, where)


def _sibling(
    workflows: list[dict[str, Any]], workflow_name: str, class_name: str, script_name: str
) -> dict[str, Any] | None:
    """Another workflow already bound to the same class of the same script, if any."""
    for remote in workflows:
        same_target = remote.get("class_name") == class_name and remote.get("script_name") == script_name
        if same_target and remote.get("name") != workflow_name:
            return remote
    return None


def _computed(result: Mapping[str, Any], fallback: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "workflow_id": result.get("id") or fallback.get("workflow_id"),
        "version_id": result.get("version_id") or fallback.get("version_id"),
        "created_on": result.get("created_on") or fallback.get("created_on"),
    }


def _put_body(props: Mapping[str, Any], olds: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The PUT body for checked inputs `props`; `olds` (the state, none for a create) says which settings
    this program set before and must clear now that it no longer sets them."""
    body: dict[str, Any] = {"class_name": props["class_name"], "script_name": props["script_name"]}
    limits = plan.normalise_workflow(props)["limits"]
    if limits:
        body["limits"] = limits
    body.update(workflow_settings.settings_to_wire(olds or {}, props))
    return body


def _read_settings(
    client: CloudflareClient,
    account: str,
    name: str,
    remote: Mapping[str, Any],
    version: Mapping[str, Any],
    props: Mapping[str, Any],
) -> dict[str, Any]:
    """The live ``schedules`` and ``default_retention``, for the ones the state manages (the others stay
    ``None``). Retention lives on the newest version, whose list item does not carry it: one more GET, only
    when the program sets it."""
    found: dict[str, Any] = {"schedules": None, "default_retention": None}
    if props.get("schedules") is not None:
        live = workflow_settings.schedules_from_wire(remote.get("schedules"))
        found["schedules"] = workflow_settings.in_order_of(props.get("schedules"), live)
    if props.get("default_retention") is not None:
        if version.get("id"):
            detail = client.get_workflow_version(account, name, version["id"]) or {}
            retention = detail.get("default_retention")
            found["default_retention"] = workflow_settings.retention_from_wire(retention)
        else:
            found["default_retention"] = props.get("default_retention")
    return found


class WorkflowProvider(CloudflareProvider):
    """Registers, repoints, reads and deletes one Cloudflare Workflow."""

    kind = plan.WORKFLOW

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        props = plan.normalise_workflow(news)
        props["schedules"] = workflow_settings.in_order_of(olds.get("schedules"), props["schedules"])
        failures = self.identity_failures(olds, props, "workflow_name", rules.validate_workflow_name)
        failures += rules.validate_class_name(props["class_name"])
        failures += rules.validate_limits(props["limits"])
        # The program's own spelling, so each failure names the schedule as written.
        failures += rules.validate_schedules(news.get("schedules"))
        failures += rules.validate_default_retention(news.get("default_retention"))
        if props["script_name"] is None:
            failures.append(
                (
                    "script_name",
                    f"Workflow {props['workflow_name']!r} is not hosted: bind it to a Worker (which then "
                    "hosts it) or set script_name to the Worker script that exports its class",
                )
            )
        else:
            failures += rules.validate_script_name(props["script_name"], "script_name")
        return CheckResult(props, [CheckFailure(p, r) for p, r in failures])

    @reported
    def create(self, props: dict[str, Any]) -> CreateResult:
        props = plan.normalise_workflow(props)  # again: numbers arrive as doubles over gRPC
        account, name = props["account_id"], props["workflow_name"]
        if props.get("import_id"):
            return self.import_existing(WORKFLOW, props, name)
        client = self.client()
        if not props.get("adopt"):
            try:
                remote = client.get_workflow(account, name)
            except NotFoundError:
                pass
            else:
                raise takeover_refusal(
                    account, name, remote or {}, props, client.url(f"/accounts/{account}/workflows/{name}")
                )
            if props.get("derived_name") and not fresh_script(account, props["script_name"]):
                rename_guard(client, account, name, props["class_name"], props["script_name"])
        result = client.put_workflow(account, name, _put_body(props)) or {}
        if props.get("adopt"):
            record_handover(WORKFLOW, account, name)
        if props.get("derived_name"):
            record_derived_workflow(account, props["class_name"], name)
        return CreateResult(name, self.outputs(props, _computed(result, {})))

    @reported
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        news = plan.normalise_workflow(news)
        account, name = news["account_id"], news["workflow_name"]
        result = self.client().put_workflow(account, name, _put_body(news, olds)) or {}
        old_id = olds.get("workflow_id")
        if old_id and result.get("id") and result["id"] != old_id:
            warn(
                f"workflow {name!r} has a new id ({old_id} -> {result['id']}): it was deleted outside Pulumi "
                "and the update re-created it; earlier instances are gone"
            )
        return UpdateResult(self.outputs(news, _computed(result, olds)))

    @reported
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        account = props.get("account_id")
        name = id_ or props.get("workflow_name")
        if not account or not name:
            return ReadResult(id_, props)
        client = self.client()
        try:
            remote = client.get_workflow(account, name) or {}
            version = client.latest_workflow_version(account, name) or {}
            settings = _read_settings(client, account, name, remote, version, props)
        except NotFoundError:
            return ReadResult("", {})
        remote = {**remote, "version_id": version.get("id") or props.get("version_id")}
        inputs = plan.normalise_workflow(
            {
                "account_id": account,
                "workflow_name": remote.get("name") or name,
                "class_name": remote.get("class_name", props.get("class_name")),
                "script_name": remote.get("script_name", props.get("script_name")),
                "limits": version.get("limits") if version else props.get("limits"),
                **settings,
                "adopt": props.get("adopt"),
                "derived_name": props.get("derived_name"),
                "import_id": props.get("import_id"),
            }
        )
        return ReadResult(name, self.outputs(inputs, _computed(remote, props)), inputs)

    @reported
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        account, name = props["account_id"], id_ or props["workflow_name"]
        if handed_over(WORKFLOW, account, name):
            warn(
                f"not deleting workflow {name!r}: another resource of this stack took it over in this update "
                "(adopt=True or import_); it keeps running under that resource"
            )
            return
        successor = (
            renamed_into(account, str(props.get("class_name")), name) if props.get("derived_name") else None
        )
        if successor is not None:
            record_kept_script(account, str(props.get("script_name")))
            warn(
                f"not deleting workflow {name!r}: this update created {successor!r} on the same class "
                f"{props.get('class_name')!r} under a derived name, most likely a logical rename of the "
                "Workflow (and its Worker) without aliases. It keeps its instances, outside the stack now, "
                f"and so does its script {props.get('script_name')!r}. To keep it under Pulumi instead, "
                "restore the old names with aliases; if the new workflow is meant, delete the old one with "
                "wrangler"
            )
            return
        client = self.client()
        try:
            remote = client.get_workflow(account, name) or {}
        except NotFoundError:
            return
        ours = props.get("workflow_id")
        if ours and remote.get("id") and remote["id"] != ours:
            warn(
                f"not deleting workflow {name!r}: its id is {remote['id']}, not {ours} which this stack "
                "created; it was re-created by someone else since, so it is theirs now"
            )
            return
        try:
            client.delete_workflow(account, name)
        except NotFoundError:
            return
