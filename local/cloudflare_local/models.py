"""The state model of a local Cloudflare account: scripts, versions, deployments, workflows, instances.

It knows nothing of HTTP (moto's shape): plain methods that validate like Cloudflare, persist through the
store and raise `ApiError` carrying Cloudflare's code and status. Changes are announced to listeners
(`Backend.add_listener`), which is how the runtime learns that a script was deployed or an instance created.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

from cloudflare_local import errors
from cloudflare_local.errors import ApiError
from cloudflare_local.exports import ModuleExports, parse_exports
from cloudflare_local.store import Store
from cloudflare_local.validation import (
    NAME_PATTERN,
    check_class_name,
    check_instance_id,
    check_script_name,
    check_workflow_name,
)

log = logging.getLogger(__name__)

ES_MODULE_TYPES = ("application/javascript+module", "text/javascript+module")
MODULE_TYPES = (
    *ES_MODULE_TYPES,
    "application/javascript",
    "text/javascript",
    "application/wasm",
    "text/plain",
    "application/octet-stream",
    "text/x-python",
    "text/x-python-requirement",
    "application/source-map",
)
INSTANCE_STATUSES = (
    "queued",
    "running",
    "paused",
    "errored",
    "terminated",
    "complete",
    "waitingForPause",
    "waiting",
    "rollingBack",
)
TERMINAL_STATUSES = ("errored", "terminated", "complete")


def now() -> str:
    """An RFC 3339 UTC timestamp with microseconds, as Cloudflare returns them."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


_RETENTION = re.compile(r"^(\d+)\s+(second|minute|hour|day|week|month|year)s?$")
_UNIT_MS = {
    "second": 1000,
    "minute": 60_000,
    "hour": 3_600_000,
    "day": 86_400_000,
    "week": 7 * 86_400_000,
    "month": 30 * 86_400_000,
    "year": 365 * 86_400_000,
}


def retention_ms(value: object) -> int:
    """A retention value (milliseconds, or a string like "5 minutes") in milliseconds."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _RETENTION.match(value) if isinstance(value, str) else None
    if match is None:
        raise errors.invalid_body(f"retention must be milliseconds or like '5 minutes', got {value!r}")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


# -- model objects (stored as JSON documents: every field is JSON-able) ----------------------------------


@dataclass
class Part:
    """One module part of an upload."""

    name: str
    content_type: str
    data: bytes


@dataclass
class Upload:
    """A parsed script upload: the metadata JSON and the module parts."""

    metadata: dict[str, Any]
    parts: list[Part]


@dataclass
class ScriptVersion:
    id: str
    number: int
    script_name: str
    main_module: str | None
    body_part: str | None
    modules: list[dict[str, Any]]  # {"name", "content_type", "size"}; contents are blobs
    bindings: list[dict[str, Any]]
    metadata: dict[str, Any]
    compatibility_date: str | None
    compatibility_flags: list[str]
    exports: list[str]
    exports_open: bool  # an `export *` makes the export list open-ended
    etag: str
    created_on: str
    source: str = "api"
    annotations: dict[str, Any] = field(default_factory=dict)

    def exports_class(self, class_name: str) -> bool | None:
        return ModuleExports(frozenset(self.exports), self.exports_open).exports(class_name)


@dataclass
class Script:
    name: str
    tag: str
    created_on: str
    modified_on: str
    etag: str
    deployed_version_id: str
    latest_version_id: str
    version_count: int
    has_modules: bool
    logpush: bool = False
    observability: dict[str, Any] | None = None
    tags: list[str] | None = None
    tail_consumers: list[dict[str, Any]] | None = None
    usage_model: str = "standard"
    placement: dict[str, Any] | None = None
    limits: dict[str, Any] | None = None
    migration_tag: str | None = None
    subdomain_enabled: bool = False
    previews_enabled: bool = False
    schedules: list[dict[str, Any]] = field(default_factory=list)
    last_deployed_from: str = "api"


@dataclass
class Deployment:
    id: str
    script_name: str
    source: str
    strategy: str
    versions: list[dict[str, Any]]
    created_on: str
    annotations: dict[str, Any] = field(default_factory=dict)
    author_email: str = "local@cloudflare-local.invalid"


@dataclass
class Workflow:
    id: str
    name: str
    class_name: str
    script_name: str
    created_on: str
    modified_on: str
    version_id: str
    triggered_on: str | None = None
    limits: dict[str, Any] | None = None
    schedules: list[dict[str, Any]] = field(default_factory=list)
    default_retention: dict[str, Any] | None = None


@dataclass
class WorkflowVersion:
    id: str
    workflow_id: str
    workflow_name: str
    class_name: str
    script_name: str
    created_on: str
    modified_on: str
    limits: dict[str, Any] | None = None
    language: str = "javascript"


@dataclass
class Instance:
    id: str
    workflow_name: str
    workflow_id: str
    version_id: str
    status: str
    params: Any
    trigger_source: str
    created_on: str
    modified_on: str
    started_on: str | None = None
    ended_on: str | None = None
    output: Any = None
    error: dict[str, Any] | None = None
    steps: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    paused_from: str | None = None
    instance_retention: dict[str, Any] | None = None


@dataclass(frozen=True)
class ModelEvent:
    """A change announced to listeners. `kind` ending in `ing` is sent before commit: raising rejects it."""

    kind: str
    account_id: str
    data: dict[str, Any]


Listener = Callable[[ModelEvent], None]
T = TypeVar("T")


def _load(cls: type[T], doc: dict[str, Any] | None) -> T | None:
    return None if doc is None else cls(**doc)


# -- the backend --------------------------------------------------------------------------------------


class Backend:
    """All accounts: the store, the lock that serialises changes, and the event listeners."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.lock = threading.RLock()
        self._listeners: list[Listener] = []

    def add_listener(self, listener: Listener) -> None:
        """Register a callback for model events (script_deployed, workflow_updated, instance_created...)."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def account(self, account_id: str) -> Account:
        return Account(self, account_id)

    def emit(self, event: ModelEvent) -> None:
        """Pre-commit events (`*ing`) propagate listener errors; post-commit ones only log them."""
        for listener in list(self._listeners):
            if event.kind.endswith("ing"):
                listener(event)
                continue
            try:
                listener(event)
            except Exception:
                log.exception("listener failed on %s", event.kind)

    @contextmanager
    def change(self) -> Iterator[list[ModelEvent]]:
        """One atomic change: a store transaction under the lock; queued events are emitted after commit."""
        events: list[ModelEvent] = []
        with self.lock:
            with self.store.transaction():
                yield events
            for event in events:
                self.emit(event)


class Account:
    """One Cloudflare account's Workers and Workflows (a view over the shared backend)."""

    def __init__(self, backend: Backend, account_id: str) -> None:
        self.backend = backend
        self.id = account_id
        self.store = backend.store

    # -- scripts ------------------------------------------------------------------------------------
    def get_script(self, name: str) -> Script:
        script = _load(Script, self.store.get(self.id, "script", name))
        if script is None:
            raise errors.script_not_found(name)
        return script

    def find_script(self, name: str) -> Script | None:
        return _load(Script, self.store.get(self.id, "script", name))

    def list_scripts(self) -> list[Script]:
        return [Script(**doc) for doc in self.store.list(self.id, "script")]

    def get_version(self, script_name: str, version_id: str) -> ScriptVersion:
        version = _load(
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

    def upload_script(
        self, name: str, upload: Upload, *, deploy: bool = True, source: str = "api"
    ) -> ScriptVersion:
        """PUT /workers/scripts/{name} (deploy=True) or POST .../versions (deploy=False)."""
        check_script_name(name)
        with self.backend.change() as events:
            previous = self.find_script(name)
            prior_version = self.get_version(name, previous.deployed_version_id) if previous else None
            version = self._build_version(name, upload, previous, prior_version, source)
            for module in version.modules:
                data = next(p.data for p in upload.parts if p.name == module["name"])
                self.store.put_blob(self.id, f"{name}/{version.id}/{module['name']}", data)
            self.store.put(self.id, "script_version", f"{name}/{version.id}", asdict(version), parent=name)
            timestamp = version.created_on
            if previous is None:
                script = Script(
                    name=name,
                    tag=uuid.uuid4().hex,
                    created_on=timestamp,
                    modified_on=timestamp,
                    etag=version.etag,
                    deployed_version_id=version.id,
                    latest_version_id=version.id,
                    version_count=1,
                    has_modules=version.main_module is not None,
                    last_deployed_from=source,
                )
            else:
                script = previous
                script.latest_version_id = version.id
                script.version_count = version.number
            self._apply_metadata_settings(script, upload.metadata)
            if deploy or previous is None:
                self._deploy(script, [{"version_id": version.id, "percentage": 100.0}], source, {}, events)
            else:
                self.store.put(self.id, "script", name, asdict(script))
        return version

    def _build_version(
        self,
        name: str,
        upload: Upload,
        previous: Script | None,
        prior: ScriptVersion | None,
        source: str,
    ) -> ScriptVersion:
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
        bindings = self._resolve_bindings(name, meta, prior)
        self._check_bindings(name, bindings, exported)
        digest = hashlib.sha256()
        for part in upload.parts:
            digest.update(f"{part.name}\0{part.content_type}\0".encode())
            digest.update(part.data)
        digest.update(repr(sorted(meta.items(), key=lambda kv: kv[0])).encode())
        annotations = meta.get("annotations") if isinstance(meta.get("annotations"), dict) else {}
        return ScriptVersion(
            id=str(uuid.uuid4()),
            number=(previous.version_count + 1) if previous else 1,
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

    def _resolve_bindings(
        self, name: str, meta: dict[str, Any], prior: ScriptVersion | None
    ) -> list[dict[str, Any]]:
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

    def _check_bindings(self, name: str, bindings: list[dict[str, Any]], exported: ModuleExports) -> None:
        """Workflow bindings: own classes must be exported; a named host that exists must export the class."""
        for binding in bindings:
            if binding["type"] != "workflow":
                continue
            label = f"binding {binding['name']}"
            workflow_name = binding.get("workflow_name")
            if (
                not isinstance(workflow_name, str)
                or not NAME_PATTERN.match(workflow_name)
                or len(workflow_name) > 64
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

    @staticmethod
    def _apply_metadata_settings(script: Script, meta: dict[str, Any]) -> None:
        for key in (
            "logpush",
            "observability",
            "tags",
            "tail_consumers",
            "usage_model",
            "placement",
            "limits",
        ):
            if key in meta:
                setattr(script, key, meta[key])
        migrations = meta.get("migrations")
        if isinstance(migrations, dict) and migrations.get("new_tag"):
            script.migration_tag = migrations["new_tag"]

    def _deploy(
        self,
        script: Script,
        versions: list[dict[str, Any]],
        source: str,
        annotations: dict[str, Any],
        events: list[ModelEvent],
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
        payload = {"script_name": script.name, "version_id": active.id, "deployment_id": deployment.id}
        self.backend.emit(ModelEvent("script_deploying", self.id, payload))
        script.deployed_version_id = active.id
        script.etag = active.etag
        script.modified_on = deployment.created_on
        script.last_deployed_from = source
        self.store.put(self.id, "script", script.name, asdict(script))
        self.store.put(
            self.id, "deployment", f"{script.name}/{deployment.id}", asdict(deployment), script.name
        )
        events.append(ModelEvent("script_deployed", self.id, payload))
        return deployment

    def create_deployment(
        self, name: str, versions: list[dict[str, Any]], annotations: dict[str, Any], source: str = "api"
    ) -> Deployment:
        """POST /workers/scripts/{name}/deployments: percentages must add up to 100."""
        with self.backend.change() as events:
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
            return self._deploy(script, clean, source, annotations, events)

    def list_deployments(self, name: str) -> list[Deployment]:
        self.get_script(name)
        return [Deployment(**d) for d in self.store.list(self.id, "deployment", parent=name)]

    def patch_script_settings(self, name: str, changes: dict[str, Any]) -> Script:
        """PATCH script-settings: logpush, observability, tags, tail_consumers (other keys ignored)."""
        with self.backend.change():
            script = self.get_script(name)
            for key in ("logpush", "observability", "tags", "tail_consumers"):
                if key in changes:
                    setattr(script, key, changes[key])
            script.modified_on = now()
            self.store.put(self.id, "script", name, asdict(script))
            return script

    def patch_settings(self, name: str, changes: dict[str, Any]) -> Script:
        """PATCH settings: script-settings keys, plus bindings/compatibility as a new deployed version."""
        version_keys = ("bindings", "compatibility_date", "compatibility_flags")
        with self.backend.change() as events:
            script = self.get_script(name)
            for key in (
                "logpush",
                "observability",
                "tags",
                "tail_consumers",
                "usage_model",
                "placement",
                "limits",
            ):
                if key in changes:
                    setattr(script, key, changes[key])
            if any(key in changes for key in version_keys):
                current = self.get_version(name, script.deployed_version_id)
                meta = {**current.metadata, **{k: changes[k] for k in version_keys if k in changes}}
                parts = [
                    Part(m["name"], m["content_type"], self.module_content(name, current.id, m["name"]))
                    for m in current.modules
                ]
                version = self._build_version(name, Upload(meta, parts), script, current, "api")
                for part in parts:
                    self.store.put_blob(self.id, f"{name}/{version.id}/{part.name}", part.data)
                self.store.put(
                    self.id, "script_version", f"{name}/{version.id}", asdict(version), parent=name
                )
                script.latest_version_id = version.id
                script.version_count = version.number
                self._deploy(script, [{"version_id": version.id, "percentage": 100.0}], "api", {}, events)
            else:
                script.modified_on = now()
                self.store.put(self.id, "script", name, asdict(script))
            return script

    def set_subdomain(self, name: str, enabled: bool, previews_enabled: bool | None) -> Script:
        with self.backend.change():
            script = self.get_script(name)
            script.subdomain_enabled = enabled
            script.previews_enabled = enabled if previews_enabled is None else previews_enabled
            self.store.put(self.id, "script", name, asdict(script))
            return script

    def set_schedules(self, name: str, crons: list[dict[str, Any]]) -> Script:
        with self.backend.change():
            script = self.get_script(name)
            stamp = now()
            script.schedules = [{"cron": c["cron"], "created_on": stamp, "modified_on": stamp} for c in crons]
            self.store.put(self.id, "script", name, asdict(script))
            return script

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
        with self.backend.change() as events:
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
            events.append(ModelEvent("script_deleted", self.id, {"script_name": name, "force": force}))

    # -- workflows ---------------------------------------------------------------------------------------
    def get_workflow(self, name: str) -> Workflow:
        workflow = _load(Workflow, self.store.get(self.id, "workflow", name))
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
        """PUT /workflows/{name}: an upsert; a new version when class, script or limits change."""
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
        schedules = body.get("schedules") or []
        if not isinstance(schedules, list) or len(schedules) > 200:
            raise errors.invalid_body("schedules must be a list of at most 200 {cron}")
        for item in schedules:
            if not isinstance(item, dict) or not isinstance(item.get("cron"), str) or not item["cron"]:
                raise errors.invalid_body("each schedule needs a cron string")
        with self.backend.change() as events:
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
            stamp = now()
            existing = _load(Workflow, self.store.get(self.id, "workflow", name))
            if existing is None:
                workflow = Workflow(
                    id=str(uuid.uuid4()),
                    name=name,
                    class_name=class_name,
                    script_name=script_name,
                    created_on=stamp,
                    modified_on=stamp,
                    version_id="",
                )
                changed = True
            else:
                workflow = existing
                changed = (workflow.class_name, workflow.script_name, workflow.limits) != (
                    class_name,
                    script_name,
                    limits,
                )
            workflow.class_name, workflow.script_name, workflow.limits = class_name, script_name, limits
            workflow.schedules = [{"cron": s["cron"]} for s in schedules]
            if "default_retention" in body:
                workflow.default_retention = body["default_retention"]
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
                )
                self.store.put(self.id, "workflow_version", f"{name}/{version.id}", asdict(version), name)
                workflow.version_id = version.id
            self.store.put(self.id, "workflow", name, asdict(workflow))
            events.append(
                ModelEvent("workflow_updated", self.id, {"workflow_name": name, "created": existing is None})
            )
            return workflow

    def delete_workflow(self, name: str) -> None:
        """Deletes the workflow, its versions and instances; never the Worker behind it."""
        with self.backend.change() as events:
            self.get_workflow(name)
            self.store.delete(self.id, "workflow", name)
            self.store.delete_children(self.id, "workflow_version", name)
            self.store.delete_children(self.id, "instance", name)
            events.append(ModelEvent("workflow_deleted", self.id, {"workflow_name": name}))

    def list_workflow_versions(self, name: str) -> list[WorkflowVersion]:
        self.get_workflow(name)
        return [WorkflowVersion(**d) for d in self.store.list(self.id, "workflow_version", parent=name)]

    def get_workflow_version(self, name: str, version_id: str) -> WorkflowVersion:
        self.get_workflow(name)
        version = _load(WorkflowVersion, self.store.get(self.id, "workflow_version", f"{name}/{version_id}"))
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
            if not isinstance(retention, dict) or set(retention) - {"error_retention", "success_retention"}:
                raise errors.invalid_body("default_retention takes error_retention and success_retention")
            changes = {"default_retention": {k: retention_ms(v) for k, v in retention.items()}}
        with self.backend.change():
            settings = {**self.workflow_settings(), **changes}
            self.store.put(self.id, "settings", "workflows", settings)
            return settings

    # -- instances -----------------------------------------------------------------------------------------
    def get_instance(self, workflow_name: str, instance_id: str) -> Instance:
        self.get_workflow(workflow_name)
        instance = _load(Instance, self.store.get(self.id, "instance", f"{workflow_name}/{instance_id}"))
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
        with self.backend.change() as events:
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
                self.store.put(self.id, "instance", key, asdict(instance), parent=workflow_name)
                created.append(instance)
                events.append(
                    ModelEvent(
                        "instance_created",
                        self.id,
                        {"workflow_name": workflow_name, "instance_id": instance_id},
                    )
                )
            workflow.triggered_on = stamp
            self.store.put(self.id, "workflow", workflow_name, asdict(workflow))
            return created

    def change_instance_status(self, workflow_name: str, instance_id: str, action: str) -> Instance:
        """pause / resume / terminate / restart, with the transitions Cloudflare allows (409 otherwise)."""
        with self.backend.change() as events:
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
            events.append(
                ModelEvent(
                    "instance_status_changed",
                    self.id,
                    {
                        "workflow_name": workflow_name,
                        "instance_id": instance_id,
                        "action": action,
                        "from": current,
                    },
                )
            )
            return instance

    @staticmethod
    def _bad_state(instance: Instance, action: str) -> ApiError:
        return ApiError(
            errors.INSTANCE_BAD_STATE,
            f"Instance {instance.id!r} is {instance.status}: it cannot be {action}d from that state",
            409,
        )

    def send_event(self, workflow_name: str, instance_id: str, event_type: str, payload: Any) -> Instance:
        """Queue an event for the instance (the runtime delivers it to `step.waitForEvent`)."""
        with self.backend.change() as events:
            instance = self.get_instance(workflow_name, instance_id)
            if instance.status in TERMINAL_STATUSES:
                raise errors.invalid_body(
                    f"Instance {instance_id!r} is {instance.status}: it takes no events"
                )
            instance.events.append({"type": event_type, "payload": payload, "timestamp": now()})
            instance.modified_on = now()
            self._save_instance(instance)
            events.append(
                ModelEvent(
                    "instance_event",
                    self.id,
                    {"workflow_name": workflow_name, "instance_id": instance_id, "type": event_type},
                )
            )
            return instance

    def delete_instance(self, workflow_name: str, instance_id: str) -> None:
        with self.backend.change():
            self.get_instance(workflow_name, instance_id)
            self.store.delete(self.id, "instance", f"{workflow_name}/{instance_id}")

    def update_instance(self, workflow_name: str, instance_id: str, **changes: Any) -> Instance:
        """For the runtime: record progress (status, started_on, output, steps...) as it happens."""
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
