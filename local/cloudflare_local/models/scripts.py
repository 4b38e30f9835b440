"""Workers scripts: uploads and versions, deployments, settings, subdomain, schedules, and delete.

Every upload becomes an immutable `ScriptVersion` (its modules stored as blobs); a deployment points the
script at versions by percentage, and the largest share is what runs. Settings that live on the script
(logpush, tags...) change in place, while settings that live on a version (bindings, compatibility) make
a new version and deploy it, as Cloudflare's PATCH settings does.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from cloudflare_local import errors
from cloudflare_local.errors import ApiError
from cloudflare_local.exports import ModuleExports, parse_exports
from cloudflare_local.models import migrations
from cloudflare_local.models.base import AccountBase
from cloudflare_local.models.records import (
    ES_MODULE_TYPES,
    MODULE_TYPES,
    Deployment,
    Part,
    Script,
    ScriptVersion,
    Upload,
    Workflow,
    load,
    now,
)
from cloudflare_local.validation import NAME_PATTERN, WORKFLOW_NAME_MAX, check_class_name, check_script_name

# What PATCH script-settings changes; PATCH settings and an upload's metadata change these and more.
SCRIPT_SETTINGS = ("logpush", "observability", "tags", "tail_consumers")
SETTINGS = (*SCRIPT_SETTINGS, "usage_model", "placement", "limits")
# Settings that belong to a version: changing one through PATCH settings deploys a new version.
VERSION_SETTINGS = ("bindings", "compatibility_date", "compatibility_flags")


def _apply(script: Script, changes: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        if key in changes:
            setattr(script, key, changes[key])


class ScriptsMixin(AccountBase):
    """The Workers scripts of one account."""

    if TYPE_CHECKING:

        def list_workflows(self, search: str | None = None) -> list[Workflow]: ...

    # -- lookups ------------------------------------------------------------------------------------
    def get_script(self, name: str) -> Script:
        script = self.find_script(name)
        if script is None:
            raise errors.script_not_found(name)
        return script

    def find_script(self, name: str) -> Script | None:
        return load(Script, self.store.get(self.id, "script", name))

    def list_scripts(self) -> list[Script]:
        return [Script(**doc) for doc in self.store.list(self.id, "script")]

    def get_version(self, script_name: str, version_id: str) -> ScriptVersion:
        version = load(
            ScriptVersion, self.store.get(self.id, "script_version", f"{script_name}/{version_id}")
        )
        if version is None:
            raise ApiError(errors.WORKER_VERSION_NOT_FOUND, f"Worker version not found: {version_id}", 404)
        return version

    def deployed_version(self, script_name: str) -> ScriptVersion:
        return self.get_version(script_name, self.get_script(script_name).deployed_version_id)

    def list_versions(self, script_name: str) -> list[ScriptVersion]:
        self.get_script(script_name)
        return [ScriptVersion(**d) for d in self.store.list(self.id, "script_version", parent=script_name)]

    def module_content(self, script_name: str, version_id: str, module: str) -> bytes:
        data = self.store.get_blob(self.id, f"{script_name}/{version_id}/{module}")
        return data if data is not None else b""

    def list_deployments(self, name: str) -> list[Deployment]:
        self.get_script(name)
        return [Deployment(**d) for d in self.store.list(self.id, "deployment", parent=name)]

    # -- uploads and versions -----------------------------------------------------------------------
    def upload_script(
        self, name: str, upload: Upload, *, deploy: bool = True, source: str = "api"
    ) -> ScriptVersion:
        """PUT /workers/scripts/{name} (deploy=True) or POST .../versions (deploy=False).

        A script's first version is always deployed: a script exists only with a live version. Its
        `metadata.migrations` are applied to the script's Durable Object classes (:mod:`.migrations`) with
        the rest of the upload, all or nothing.
        """
        check_script_name(name)
        with self.backend.change():
            previous = self.find_script(name)
            prior = self.get_version(name, previous.deployed_version_id) if previous else None
            applied = migrations.apply(
                name,
                previous.durable_objects if previous else {},
                previous.migration_tag if previous else None,
                upload.metadata.get("migrations"),
                self._transferable,
            )
            version = self._add_version(name, upload, previous, prior, source, applied)
            self._check_deleted_classes_unbound(name, applied.deleted)
            script = previous or Script(
                name=name,
                tag=uuid.uuid4().hex,
                created_on=version.created_on,
                modified_on=version.created_on,
                etag=version.etag,
                deployed_version_id=version.id,
                latest_version_id=version.id,
                version_count=1,
                has_modules=version.main_module is not None,
                last_deployed_from=source,
            )
            _apply(script, upload.metadata, SETTINGS)
            script.durable_objects = applied.classes
            script.migration_tag = applied.tag
            self._take_transferred(applied.transferred)
            if deploy or previous is None:
                self._deploy_version(script, version, source)
            else:
                self._save_script(script)
        return version

    def _add_version(
        self,
        name: str,
        upload: Upload,
        previous: Script | None,
        prior: ScriptVersion | None,
        source: str,
        applied: migrations.Applied,
    ) -> ScriptVersion:
        """Check and store a new version (modules as blobs); `previous` learns it is the latest. `applied`
        holds the script's Durable Object classes once this upload's migrations are applied."""
        number = previous.version_count + 1 if previous else 1
        version = self._build_version(name, number, upload, prior, source, applied)
        for part in upload.parts:
            self.store.put_blob(self.id, f"{name}/{version.id}/{part.name}", part.data)
        self.store.put(self.id, "script_version", f"{name}/{version.id}", asdict(version), parent=name)
        if previous is not None:
            previous.latest_version_id = version.id
            previous.version_count = version.number
        return version

    def _build_version(
        self,
        name: str,
        number: int,
        upload: Upload,
        prior: ScriptVersion | None,
        source: str,
        applied: migrations.Applied,
    ) -> ScriptVersion:
        """Validate an upload as version `number` of script `name`; `prior` is the deployed version."""
        meta = upload.metadata
        main_module = meta.get("main_module")
        body_part = meta.get("body_part")
        if main_module is None and body_part is None:
            if len(upload.parts) == 1:
                body_part = upload.parts[0].name
            else:
                raise ApiError(errors.UNPARSEABLE_SCRIPT, "metadata must name main_module or body_part", 400)
        entry = main_module or body_part
        if not isinstance(entry, str):
            raise ApiError(errors.UNPARSEABLE_SCRIPT, "main_module/body_part must be a string", 400)
        names = [p.name for p in upload.parts]
        if entry not in names:
            raise ApiError(errors.SCRIPT_VALIDATION, f"No such module: {entry!r} (parts: {names})", 400)
        if len(set(names)) != len(names):
            raise ApiError(errors.UNPARSEABLE_SCRIPT, f"duplicate module parts: {names}", 400)
        for part in upload.parts:
            if part.content_type not in MODULE_TYPES:
                raise ApiError(
                    errors.UNSUPPORTED_CONTENT_TYPE,
                    f"Unsupported module content type {part.content_type!r} for part {part.name!r}",
                    400,
                )
        entry_part = next(p for p in upload.parts if p.name == entry)
        if main_module is not None and entry_part.content_type in ES_MODULE_TYPES:
            exported = parse_exports(entry_part.data.decode("utf-8", errors="replace"))
        else:
            exported = ModuleExports()
        compat_flags = meta.get("compatibility_flags") or []
        if not isinstance(compat_flags, list) or not all(isinstance(f, str) for f in compat_flags):
            raise ApiError(errors.UNPARSEABLE_SCRIPT, "compatibility_flags must be a list of strings", 400)
        bindings = self._resolve_bindings(meta, prior)
        self._check_bindings(name, bindings, exported, applied)
        _check_classes_exported(name, applied, exported)
        digest = hashlib.sha256()
        for part in upload.parts:
            digest.update(f"{part.name}\0{part.content_type}\0".encode())
            digest.update(part.data)
        digest.update(repr(sorted(meta.items(), key=lambda kv: kv[0])).encode())
        annotations = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
        return ScriptVersion(
            id=str(uuid.uuid4()),
            number=number,
            script_name=name,
            main_module=main_module,
            body_part=body_part,
            modules=[
                {"name": p.name, "content_type": p.content_type, "size": len(p.data)} for p in upload.parts
            ],
            bindings=bindings,
            metadata=meta,
            compatibility_date=meta.get("compatibility_date"),
            compatibility_flags=list(compat_flags),
            exports=sorted(exported.names),
            exports_open=exported.open_ended or not exported.parses,
            etag=digest.hexdigest(),
            created_on=now(),
            source=source,
            annotations=dict(annotations or {}),
        )

    @staticmethod
    def _resolve_bindings(meta: dict[str, Any], prior: ScriptVersion | None) -> list[dict[str, Any]]:
        """Bindings as sent; `inherit` bindings and `keep_bindings` types come from the prior version."""
        raw = meta.get("bindings") or []
        if not isinstance(raw, list):
            raise ApiError(errors.UNPARSEABLE_SCRIPT, "metadata.bindings must be a list", 400)
        old = {b["name"]: b for b in (prior.bindings if prior else [])}
        out: list[dict[str, Any]] = []
        for binding in raw:
            if not isinstance(binding, dict) or not isinstance(binding.get("name"), str):
                raise ApiError(errors.SCRIPT_VALIDATION, f"binding without a name: {binding!r}", 400)
            if not isinstance(binding.get("type"), str):
                raise ApiError(errors.SCRIPT_VALIDATION, f"binding {binding['name']} has no type", 400)
            if binding["type"] == "inherit":
                source_name = binding.get("old_name") or binding["name"]
                if source_name not in old:
                    raise ApiError(
                        errors.INHERIT_BINDING_MISSING,
                        f"binding {binding['name']} inherits {source_name!r}, "
                        "which the current version lacks",
                        400,
                    )
                out.append({**old[source_name], "name": binding["name"]})
            else:
                out.append(dict(binding))
        keep = meta.get("keep_bindings") or []
        sent = {b["name"] for b in out}
        out.extend(dict(b) for b in old.values() if b.get("type") in keep and b["name"] not in sent)
        seen: set[str] = set()
        for binding in out:
            if binding["name"] in seen:
                raise ApiError(errors.SCRIPT_VALIDATION, f"duplicate binding name {binding['name']!r}", 400)
            seen.add(binding["name"])
        return out

    def _check_bindings(
        self, name: str, bindings: list[dict[str, Any]], exported: ModuleExports, applied: migrations.Applied
    ) -> None:
        """Workflow bindings: own classes must be exported; a named host that exists must export the class.
        Durable Object bindings: see :meth:`_check_durable_object_binding`."""
        for binding in bindings:
            if binding["type"] == "durable_object_namespace":
                self._check_durable_object_binding(name, binding, applied)
            if binding["type"] != "workflow":
                continue
            label = f"binding {binding['name']}"
            workflow_name = binding.get("workflow_name")
            if (
                not isinstance(workflow_name, str)
                or not NAME_PATTERN.match(workflow_name)
                or len(workflow_name) > WORKFLOW_NAME_MAX
            ):
                raise ApiError(
                    errors.SCRIPT_VALIDATION, f"{label}: workflow_name must be a valid workflow name", 400
                )
            host = binding.get("script_name") or name
            class_name = binding.get("class_name")
            if class_name is not None:
                try:
                    check_class_name(class_name, label)
                except ApiError as exc:
                    raise ApiError(errors.SCRIPT_VALIDATION, exc.message, 400) from exc
            if host == name:
                if class_name is None:
                    raise ApiError(
                        errors.SCRIPT_VALIDATION,
                        f"{label}: class_name is required for a workflow this script hosts",
                        400,
                    )
                if exported.exports(class_name) is False:
                    raise ApiError(
                        errors.SCRIPT_VALIDATION,
                        f"{label}: Workflow class {class_name!r} is not exported by script {name!r} "
                        f"(its main module exports: {sorted(exported.names)}); "
                        "export the class or fix class_name",
                        400,
                    )
                continue
            other = self.find_script(host)
            if other is None or class_name is None:
                continue  # the host may be deployed later; Cloudflare accepts the binding then
            if self.get_version(host, other.deployed_version_id).exports_class(class_name) is False:
                raise ApiError(
                    errors.SCRIPT_VALIDATION,
                    f"{label}: Workflow class {class_name!r} is not exported by script {host!r}",
                    400,
                )

    # -- Durable Object classes ---------------------------------------------------------------------
    def _check_durable_object_binding(
        self, name: str, binding: dict[str, Any], applied: migrations.Applied
    ) -> None:
        """A Durable Object binding names a class of its script (this one, once migrated, or `script_name`):
        10061 otherwise, as Cloudflare answers; a binding to a class this upload deletes is 10074."""
        class_name = binding.get("class_name")
        if not isinstance(class_name, str):
            return  # bound by namespace_id
        label = f"binding {binding['name']}"
        host = binding.get("script_name") or name
        if host == name and class_name in applied.deleted:
            raise ApiError(
                errors.MIGRATION_ERROR,
                f"Cannot apply deleted_classes migration to class {class_name!r} without also removing the "
                f"binding that references it ({label})",
                400,
            )
        if host == name:
            classes = applied.classes
        else:
            other = self.find_script(host)
            classes = other.durable_objects if other is not None else {}
        if class_name not in classes:
            raise ApiError(
                errors.DURABLE_OBJECT_CLASS_NOT_CONFIGURED,
                f"Cannot create binding for class {class_name!r} because it is not currently configured to "
                f"implement Durable Objects ({label}, script {host!r}); a migration in the upload of the "
                "script that exports it must create it first (new_classes or new_sqlite_classes)",
                400,
            )

    def _check_deleted_classes_unbound(self, name: str, deleted: list[str]) -> None:
        """A class may be deleted only when no other script's deployed version binds it (10074)."""
        if not deleted:
            return
        for other in self.list_scripts():
            if other.name == name:
                continue
            for binding in self.get_version(other.name, other.deployed_version_id).bindings:
                if (
                    binding["type"] == "durable_object_namespace"
                    and binding.get("script_name") == name
                    and binding.get("class_name") in deleted
                ):
                    raise ApiError(
                        errors.MIGRATION_ERROR,
                        f"Cannot apply deleted_classes migration to class {binding['class_name']!r} without "
                        f"also removing the binding that references it (script {other.name!r}, binding "
                        f"{binding['name']})",
                        400,
                    )

    def _transferable(self, script_name: str, class_name: str) -> dict[str, Any] | None:
        """Another script's class entry, for `transferred_classes` (None when it has no such class)."""
        other = self.find_script(script_name)
        return None if other is None else other.durable_objects.get(class_name)

    def _take_transferred(self, transferred: list[tuple[str, str]]) -> None:
        """Transferred classes leave the script they came from (their stored data moved with them)."""
        for script_name, class_name in transferred:
            source = self.get_script(script_name)
            source.durable_objects.pop(class_name, None)
            self._save_script(source)

    # -- deployments --------------------------------------------------------------------------------
    def create_deployment(
        self, name: str, versions: list[dict[str, Any]], annotations: dict[str, Any], source: str = "api"
    ) -> Deployment:
        """POST /workers/scripts/{name}/deployments: percentages must add up to 100."""
        with self.backend.change():
            script = self.get_script(name)
            if not versions:
                raise errors.invalid_body("versions must not be empty")
            total = 0.0
            for item in versions:
                if not isinstance(item, dict) or not isinstance(item.get("version_id"), str):
                    raise errors.invalid_body("each version needs a version_id")
                percentage = item.get("percentage")
                if not isinstance(percentage, (int, float)) or not 0.01 <= percentage <= 100:
                    raise errors.invalid_body("percentage must be between 0.01 and 100")
                total += float(percentage)
                self.get_version(name, item["version_id"])
            if abs(total - 100.0) > 1e-6:
                raise errors.invalid_body(f"version percentages must add up to 100, got {total}")
            clean = [{"version_id": v["version_id"], "percentage": float(v["percentage"])} for v in versions]
            return self._deploy(script, clean, source, annotations)

    def _deploy_version(self, script: Script, version: ScriptVersion, source: str) -> Deployment:
        """Deploy one version to all traffic (what an upload or a version-setting change does)."""
        return self._deploy(script, [{"version_id": version.id, "percentage": 100.0}], source, {})

    def _deploy(
        self, script: Script, versions: list[dict[str, Any]], source: str, annotations: dict[str, Any]
    ) -> Deployment:
        """Make `versions` the active deployment; the one with the largest share is what runs."""
        active_id = max(versions, key=lambda v: float(v["percentage"]))["version_id"]
        active = self.get_version(script.name, active_id)
        deployment = Deployment(
            id=str(uuid.uuid4()),
            script_name=script.name,
            source=source,
            strategy="percentage",
            versions=versions,
            created_on=now(),
            annotations=annotations,
        )
        script.deployed_version_id = active.id
        script.etag = active.etag
        script.modified_on = deployment.created_on
        script.last_deployed_from = source
        self._save_script(script)
        self.store.put(
            self.id, "deployment", f"{script.name}/{deployment.id}", asdict(deployment), script.name
        )
        return deployment

    # -- settings -----------------------------------------------------------------------------------
    def patch_script_settings(self, name: str, changes: dict[str, Any]) -> Script:
        """PATCH script-settings: logpush, observability, tags, tail_consumers (other keys ignored)."""
        with self.backend.change():
            script = self.get_script(name)
            _apply(script, changes, SCRIPT_SETTINGS)
            script.modified_on = now()
            self._save_script(script)
            return script

    def patch_settings(self, name: str, changes: dict[str, Any]) -> Script:
        """PATCH settings: script-settings keys, plus bindings/compatibility as a new deployed version."""
        with self.backend.change():
            script = self.get_script(name)
            _apply(script, changes, SETTINGS)
            if not any(key in changes for key in VERSION_SETTINGS):
                script.modified_on = now()
                self._save_script(script)
                return script
            current = self.get_version(name, script.deployed_version_id)
            meta = {**current.metadata, **{k: changes[k] for k in VERSION_SETTINGS if k in changes}}
            meta.pop("migrations", None)  # applied with the upload that carried them, never again
            parts = [
                Part(m["name"], m["content_type"], self.module_content(name, current.id, m["name"]))
                for m in current.modules
            ]
            unchanged = migrations.Applied(script.durable_objects, script.migration_tag)
            version = self._add_version(name, Upload(meta, parts), script, current, "api", unchanged)
            self._deploy_version(script, version, "api")
            return script

    def set_subdomain(self, name: str, enabled: bool, previews_enabled: bool | None) -> Script:
        with self.backend.change():
            script = self.get_script(name)
            script.subdomain_enabled = enabled
            script.previews_enabled = enabled if previews_enabled is None else previews_enabled
            self._save_script(script)
            return script

    def set_schedules(self, name: str, crons: list[dict[str, Any]]) -> Script:
        with self.backend.change():
            script = self.get_script(name)
            stamp = now()
            script.schedules = [{"cron": c["cron"], "created_on": stamp, "modified_on": stamp} for c in crons]
            self._save_script(script)
            return script

    def _save_script(self, script: Script) -> None:
        self.store.put(self.id, "script", script.name, asdict(script))

    # -- delete -------------------------------------------------------------------------------------
    def script_dependents(self, name: str) -> tuple[list[str], list[str]]:
        """(workflows this script hosts, "script/binding" pairs of other scripts bound to it)."""
        hosted = [w.name for w in self.list_workflows() if w.script_name == name]
        bound: list[str] = []
        for other in self.list_scripts():
            if other.name == name:
                continue
            for binding in self.get_version(other.name, other.deployed_version_id).bindings:
                target = {
                    "workflow": binding.get("script_name"),
                    "service": binding.get("service"),
                    "durable_object_namespace": binding.get("script_name"),
                }.get(binding["type"])
                if target == name:
                    bound.append(f"{other.name}/{binding['name']}")
        return hosted, bound

    def delete_script(self, name: str, force: bool = False) -> None:
        """Refused without force while workflows run on it or other scripts bind to it."""
        with self.backend.change():
            self.get_script(name)
            hosted, bound = self.script_dependents(name)
            if not force and hosted:
                raise ApiError(
                    errors.SCRIPT_HOSTS_WORKFLOWS,
                    f"Script {name!r} hosts workflows {hosted}; delete those workflows first "
                    "or delete with force=true",
                    409,
                )
            if not force and bound:
                raise ApiError(
                    errors.SERVICE_BINDING_CONFLICT,
                    f"Script {name!r} is bound by {bound}; "
                    "remove those bindings first or delete with force=true",
                    409,
                )
            self.store.delete(self.id, "script", name)
            self.store.delete_children(self.id, "script_version", name)
            self.store.delete_children(self.id, "deployment", name)
            self.store.delete_blobs(self.id, f"{name}/")


def _check_classes_exported(name: str, applied: migrations.Applied, exported: ModuleExports) -> None:
    """Every Durable Object class of the script must be exported by its main module (10074): a class this
    upload creates, and one it keeps (dropping its export needs a deleted_classes migration)."""
    for class_name in sorted(applied.classes):
        if exported.exports(class_name) is not False:
            continue
        if class_name in applied.created:
            reason = "the migration creates it, but the main module does not export it"
        else:
            reason = (
                "the main module no longer exports it; export it again, or delete the class (and its stored "
                "data) with a deleted_classes migration"
            )
        raise ApiError(
            errors.MIGRATION_ERROR,
            f"Durable Object class {class_name!r} of script {name!r}: {reason}",
            400,
        )
