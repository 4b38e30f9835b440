"""The records a local account stores, and the values they are checked against.

Each record is a dataclass whose fields are all JSON-able: the store keeps `asdict(record)` as a document
and loads it back with `Record(**doc)`, so adding a field (with a default) needs no migration. Nothing here
touches the store or knows about HTTP; the family modules (`scripts`, `workflows`, `instances`) do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, TypeVar

from cloudflare_local.exports import ModuleExports

# Re-exported: Cloudflare's duration grammar has one home (validation, on the provider's workflow_settings).
from cloudflare_local.validation import retention_ms as retention_ms

# The content types a module part may have; exports are read only from the ES-module ones.
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
    # Durable Object classes: class name -> {"sqlite": bool, "storage_id": str} (models/migrations.py).
    durable_objects: dict[str, dict[str, Any]] = field(default_factory=dict)
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
    default_retention: dict[str, Any] | None = None


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


R = TypeVar("R")


def load(cls: type[R], doc: dict[str, Any] | None) -> R | None:
    """A stored document as its record, or None when the store had none."""
    return None if doc is None else cls(**doc)
