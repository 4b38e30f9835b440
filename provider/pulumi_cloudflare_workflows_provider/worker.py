"""``WorkerProvider``: the Worker script resource (``pulumi-python:dynamic/cloudflare:Worker``).

Lifecycle (id = script name):

- ``check``: normalise (defaults, sorted flags, canonical bindings) and validate every input, including the
  preflight that each workflow and Durable Object this script hosts names a class the script exports, and
  the refusal of a Durable Object change that would lose stored data (:mod:`.migrations`). No API call.
- ``diff``: pure (:mod:`.plan`); ``account_id``/``name`` replace, everything else updates in place.
- ``create``: refuse if the script exists (unless ``adopt``; the refusal says when the script carries this
  resource's ownership tag, i.e. most likely an interrupted create of this stack), then upload (multipart:
  ``metadata`` + the main module + one part per extra module, with the ownership tag in ``tags``).
- ``update``: upload.
- Both uploads carry the Durable Object ``migrations`` planned from the state's classes (an adopted script's:
  the declared classes it already binds) to the declared ones, tagged after the script's live migration tag,
  which is read (GET the script list) only when something migrates.
- ``read``: GET settings and content (every module of a script with extra modules), and the migration tag
  for a script with Durable Objects; report drift as new inputs; a missing script reads as gone.
- ``delete``: DELETE without ``force``, tolerating not-found; leaves alone a script another resource of this
  update took over, and the host of a workflow kept from deletion.

The rules these steps implement are stated once, in docs/sdk.md ("The rules").
"""

from __future__ import annotations

from collections.abc import Mapping
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from . import exports, migrations, naming, plan, rules
from .base import CloudflareProvider, reported
from .cloudflare.errors import AlreadyExistsError, NotFoundError
from .diagnostics import warn
from .handover import SCRIPT, handed_over, kept_script, record_fresh_script, record_handover
from .workflow import rename_guard

__all__ = ["WorkerProvider"]


def _metadata(props: Mapping[str, Any]) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "main_module": props["main_module"],
        "compatibility_date": props["compatibility_date"],
        "compatibility_flags": list(props["compatibility_flags"]),
        "bindings": plan.bindings_to_wire(props["bindings"]),
    }
    if props.get("owner_tag"):
        metadata["tags"] = [props["owner_tag"]]
    return metadata


def _takeover_refusal(
    account: str, name: str, tagged_as_ours: bool, url: str, elsewhere: bool = False
) -> AlreadyExistsError:
    """Why ``create`` will not overwrite an existing script, and the safe ways on.

    A script carrying this resource's ownership tag was most likely uploaded by an ``up`` of this stack that
    was interrupted before it could record it; but another state of the same project and stack (another
    backend) carries the same tag, so even then the takeover is left to the user (``adopt=True``).
    """
    replacing = (
        "If this is a replacement that keeps the name (`pulumi up --replace`, replace_on_changes), set "
        "opts=pulumi.ResourceOptions(delete_before_replace=True) so the old script is deleted first."
    )
    if tagged_as_ours:
        message = (
            f"Worker script {name!r} already exists in account {account} and carries this resource's "
            "ownership tag, but this stack does not hold it"
        )
        hint = (
            "if an earlier `up` of this stack was interrupted before recording it, pass adopt=True for one "
            "`up` to take it back"
        )
        details = (
            f"{replacing} If another state of this project and stack manages it (another backend), use a "
            "different stack name or `name`."
        )
    elif elsewhere:
        message = (
            f"Worker script {name!r} already exists in account {account} and another Pulumi resource manages "
            "it (it carries another ownership tag)"
        )
        hint = (
            "if you renamed this resource, keep its identity with "
            'opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="<old logical name>")])'
        )
        details = (
            "Otherwise another stack, or another resource of this one, manages it: give this Worker another "
            f"`name`; importing or adopting it would put it under two resources. {replacing}"
        )
    else:
        message = (
            f"Worker script {name!r} already exists in account {account} and this stack did not create it"
        )
        hint = (
            "pick another `name`, import it unchanged with "
            f'opts=pulumi.ResourceOptions(import_="{account}/{name}"), or pass adopt=True to take it '
            "over (its code and bindings become this program's)"
        )
        details = (
            "If you renamed this resource, keep its identity with "
            'opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="<old logical name>")]). ' + replacing
        )
    return AlreadyExistsError(
        message,
        hint=hint,
        details=details,
        method="GET",
        path=f"/accounts/{account}/workers/scripts/{name}/settings",
        url=url,
    )


def _managed_elsewhere(settings: Any, owner_tag: Any) -> bool:
    """Whether an existing script carries another resource's ownership tag (another stack or resource)."""
    tags = settings.get("tags") if isinstance(settings, Mapping) else None
    return isinstance(tags, list) and any(
        isinstance(t, str) and t.startswith(naming.OWNER_TAG_PREFIX) and t != owner_tag for t in tags
    )


def _owned(settings: Any, owner_tag: Any) -> bool:
    """Whether an existing script carries this resource's ownership tag (likely an interrupted create)."""
    tags = settings.get("tags") if isinstance(settings, Mapping) else None
    return bool(owner_tag) and isinstance(tags, list) and owner_tag in tags


def _modules_from_content(content_type: str, body: bytes, main_module: str) -> tuple[str, dict[str, str]]:
    """``(main module source, {name: source} of the other modules)`` from GET .../content/v2 or GET the
    script: raw JS (one module), or multipart with one part per module. The main module is the part of that
    name, else the first; a part that is not UTF-8 (Wasm, data) never fails a refresh, it reads as changed."""
    if not content_type.startswith("multipart/"):
        return body.decode(), {}
    message = BytesParser(policy=default_policy).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    parts: dict[str, bytes] = {}
    for index, part in enumerate(message.iter_parts() if message.is_multipart() else []):
        name = part.get_param("name", header="content-disposition") or part.get_filename() or f"part{index}"
        payload = part.get_payload(decode=True)
        parts[str(name)] = payload if isinstance(payload, bytes) else str(payload).encode()
    if not parts:
        return body.decode(), {}
    main = parts.pop(main_module if main_module in parts else next(iter(parts)))
    return main.decode(), {name: data.decode("utf-8", errors="replace") for name, data in parts.items()}


class WorkerProvider(CloudflareProvider):
    """Creates, updates, reads and deletes one Cloudflare Worker script (ES module)."""

    kind = plan.WORKER

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        props = plan.normalise_worker(news)
        failures = self.identity_failures(olds, props, "name", rules.validate_script_name)
        failures += rules.validate_script(props["script"])
        failures += rules.validate_main_module(props["main_module"])
        failures += rules.validate_modules(props["modules"], props["main_module"], props["script"])
        failures += rules.validate_compatibility_date(props["compatibility_date"])
        failures += rules.validate_compatibility_flags(props["compatibility_flags"])
        failures += rules.validate_bindings(props["bindings"], script_name=props["name"])
        failures += self._preflight_classes(props)
        failures += migrations.validate_durable_objects(
            props["durable_objects"], props["bindings"], props["name"]
        )
        failures += self._preflight_durable_objects(olds or {}, props)
        return CheckResult(props, [CheckFailure(p, r) for p, r in failures])

    @staticmethod
    def _preflight_classes(props: Mapping[str, Any]) -> list[rules.Failure]:
        """Every workflow this script hosts must name a class the script exports (before any upload)."""
        bindings = props["bindings"]
        if not isinstance(bindings, Mapping) or rules.is_unknown(props["script"]):
            return []
        hosted = plan.hosted_workflows(bindings, props["name"])
        missing = set(exports.missing_classes(props["script"], hosted.values()))
        exported = sorted(exports.module_exports(props["script"]) or []) if missing else []
        listed = ", ".join(e for e in exported if e != "default") or "no class"
        failures: list[rules.Failure] = []
        for binding, body in rules.hosted_workflow_bindings(bindings, props["name"]):
            cls = body.get("class_name")
            if cls in missing and body.get("workflow_name") in hosted:
                failures.append(
                    (
                        f"bindings.{binding}.class_name",
                        f"workflow {body.get('workflow_name')!r} is hosted by this script but the script "
                        f"does not export class {cls!r} (it exports: {listed}); fix the name, or add "
                        f"`export class {cls} extends WorkflowEntrypoint {{ ... }}` to "
                        f"{props['main_module']}",
                    )
                )
        return failures

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """The base diff, plus a warning in the preview for each Durable Object class the update deletes
        with its data: the diff alone shows only a binding and a declaration leaving."""
        for what in migrations.destructive(olds.get("durable_objects"), news.get("durable_objects")):
            warn(f"Worker script {news.get('name')!r}: {what}")
        return super().diff(_id, olds, news)

    @staticmethod
    def _preflight_durable_objects(olds: Mapping[str, Any], props: Mapping[str, Any]) -> list[rules.Failure]:
        """Every Durable Object this script hosts must name a class the script exports, and the change from
        the state's classes must keep every class's stored data unless its deletion is plain
        (:func:`migrations.transition_failures`)."""
        declared = migrations.classes_of(props["durable_objects"])
        missing = set(exports.missing_classes(props["script"], [c.class_name for c in declared.values()]))
        failures: list[rules.Failure] = [
            (
                f"durable_objects.{sid}.class_name",
                f"Durable Object {sid!r} is hosted by this script but {props['main_module']} does not export "
                f"class {cls.class_name!r}: add `export class {cls.class_name} extends DurableObject "
                "{ ... }` or fix class_name",
            )
            for sid, cls in sorted(declared.items())
            if cls.class_name in missing
        ]
        return failures + migrations.transition_failures(
            olds.get("durable_objects"), props["durable_objects"], props["script"], props["main_module"]
        )

    def _upload(self, props: Mapping[str, Any], migrations_body: Mapping[str, Any] | None = None) -> Any:
        modules = {props["main_module"]: props["script"], **(props.get("modules") or {})}
        metadata = _metadata(props)
        if migrations_body:
            metadata["migrations"] = dict(migrations_body)
        return self.client().upload_script(props["account_id"], props["name"], metadata, modules)

    def _migrations(
        self, props: Mapping[str, Any], previous: Any, exists: bool, recorded: Any = None
    ) -> dict[str, Any] | None:
        """The upload's Durable Object ``migrations`` from the `previous` classes to the declared ones (None
        when nothing migrates). Their tags continue the script's live migration tag, read only when something
        migrates and the script exists; `recorded` is the tag this stack last saw."""
        declared = props.get("durable_objects")
        steps = migrations.plan(previous, declared).steps
        if not steps:
            return None
        account, name = props["account_id"], props["name"]
        live = self.client().script_migration_tag(account, name) if exists else None
        if recorded and live != recorded:
            warn(
                f"Worker script {name!r}: its Durable Object migration tag is {live!r}, but this stack last "
                f"applied {recorded!r}: an earlier `up` was interrupted after its upload, or migrations were "
                f"applied outside Pulumi. Continuing from {live!r} with the classes the script binds now; if "
                "Cloudflare refuses the migration (10074), make the program's DurableObjects match the "
                "classes the script now has"
            )
            settings = self.client().get_script_settings(account, name) or {}
            live_bindings = plan.bindings_from_wire(settings.get("bindings"), name)
            steps = migrations.plan(
                migrations.reconciled(previous, declared, live_bindings, name), declared
            ).steps
            if not steps:
                return None
        return migrations.to_wire(steps, live)

    def _adopted(self, props: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """``(previous classes, whether the script exists)`` for a create that adopts a script: the declared
        Durable Objects whose classes it already hosts count as existing (never re-created)."""
        account, name = props["account_id"], props["name"]
        try:
            settings = self.client().get_script_settings(account, name) or {}
        except NotFoundError:
            return {}, False
        live = plan.bindings_from_wire(settings.get("bindings"), name)
        return migrations.adopted_classes(props.get("durable_objects"), live, name), True

    @reported
    def create(self, props: dict[str, Any]) -> CreateResult:
        account, name = props["account_id"], props["name"]
        if props.get("import_id"):
            return self.import_existing(SCRIPT, props, name)
        if not props.get("adopt"):
            try:
                settings = self.client().get_script_settings(account, name)
            except NotFoundError:
                pass
            else:
                where = self.client().url(f"/accounts/{account}/workers/scripts/{name}/settings")
                owner_tag = props.get("owner_tag")
                raise _takeover_refusal(
                    account, name, _owned(settings, owner_tag), where, _managed_elsewhere(settings, owner_tag)
                )
        previous: dict[str, Any] = {}
        exists = False
        if props.get("adopt") and props.get("durable_objects"):
            previous, exists = self._adopted(props)
        result = self._upload(props, self._migrations(props, previous, exists)) or {}
        if props.get("adopt"):
            record_handover(SCRIPT, account, name)
        else:
            record_fresh_script(account, name)
        return CreateResult(name, self.outputs(props, result))

    @reported
    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        for rename in plan.class_renames(olds.get("bindings"), news.get("bindings"), news.get("name")):
            if rename.old not in (exports.module_exports(news["script"]) or {rename.old}):
                warn(
                    f"workflow {rename.workflow_name!r} moves from class {rename.old} to {rename.new}, and "
                    f"the new script no longer exports {rename.old}: instances still running on it may "
                    "fail. Keep exporting the old class until they finish."
                )
        self._guard_derived_renames(olds, news)
        planned = self._migrations(news, olds.get("durable_objects"), True, olds.get("migration_tag"))
        result = self._upload(news, planned) or {}
        return UpdateResult(self.outputs(news, result))

    def _guard_derived_renames(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> None:
        """Before the upload: a hosted binding that moves to a new derived workflow name which does not exist
        yet, while another workflow runs the same class here, is a logical rename without an alias. The
        Workflow's create would refuse it after this upload, leaving the live script bound to nothing; so
        the host refuses first, with the same message, and the live script keeps its binding."""
        account, script = news["account_id"], news["name"]
        client = self.client()
        for workflow_name, class_name in plan.derived_hosted_names(
            olds.get("bindings"), news.get("bindings"), script
        ).items():
            try:
                client.get_workflow(account, workflow_name)
                continue  # it exists: an ordinary rebinding
            except NotFoundError:
                pass
            rename_guard(client, account, workflow_name, class_name, script)

    @reported
    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        account = props.get("account_id")
        name = id_ or props.get("name")
        if not account or not name:
            return ReadResult(id_, props)
        client = self.client()
        # content/v2 may hold the main module only: a script with extra modules is downloaded whole, so
        # each of them is compared (its state holds their digests; an import's props, their sources).
        multi_module = bool(props.get("modules") or props.get("modules_sha256"))
        try:
            settings = client.get_script_settings(account, name) or {}
            if multi_module:
                content_type, body = client.download_script(account, name)
            else:
                content_type, body = client.get_script_content(account, name)
        except NotFoundError:
            return ReadResult("", {})
        computed = dict(props)
        if props.get("durable_objects") or props.get("migration_tag"):
            computed["migration_tag"] = client.script_migration_tag(account, name)
        main_module = props.get("main_module") or plan.DEFAULT_MAIN_MODULE
        script, modules = _modules_from_content(content_type, body, main_module)
        inputs = plan.normalise_worker(
            {
                "account_id": account,
                "name": name,
                "script": script,
                "main_module": main_module,
                "modules": modules,
                "compatibility_date": settings.get("compatibility_date") or props.get("compatibility_date"),
                "compatibility_flags": settings.get("compatibility_flags", props.get("compatibility_flags")),
                "bindings": plan.bindings_from_wire(settings.get("bindings"), name, props.get("bindings")),
                # Cloudflare reports no stable ids: the declared classes stay the state's.
                "durable_objects": props.get("durable_objects"),
                "adopt": props.get("adopt"),
                "owner_tag": props.get("owner_tag"),
                "derived_name": props.get("derived_name"),
                "import_id": props.get("import_id"),
            }
        )
        return ReadResult(name, self.outputs(inputs, computed), inputs)

    @reported
    def delete(self, id_: str, props: dict[str, Any]) -> None:
        account, name = props["account_id"], id_ or props["name"]
        if kept_script(account, name):
            warn(
                f"not deleting Worker script {name!r}: it hosts a workflow kept from deletion in this update "
                "(see the warning on that workflow)"
            )
            return
        if handed_over(SCRIPT, account, name):
            warn(
                f"not deleting Worker script {name!r}: another resource of this stack took it over in this "
                "update (adopt=True or import_); it keeps running under that resource"
            )
            return
        try:
            self.client().delete_script(account, name)
        except NotFoundError:
            return
