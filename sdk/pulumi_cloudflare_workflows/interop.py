"""Resources of the bridged ``pulumi_cloudflare`` package as Worker binding values.

``Worker(..., bindings={"CACHE": kv})`` with ``kv = pulumi_cloudflare.WorkersKvNamespace(...)`` becomes
Cloudflare's binding body built from the resource's Outputs, so the Worker also depends on the resource (it
is deployed after it, and destroyed before it).

``pulumi_cloudflare`` is never imported here (importing it costs 1.5-2.6 s and ~120 MB): a resource is
recognised by its Pulumi type token (``resource.pulumi_resource_type``), which is the resource's schema
identity. It stays the same for ``Resource.get(...)`` lookups and for subclasses, and it does not depend on
the Python module layout.

Type token (``cloudflare:index/...``) -> binding body:

- ``workersKvNamespace:WorkersKvNamespace`` -> ``{"type": "kv_namespace", "namespace_id": kv.id}``
- ``r2Bucket:R2Bucket`` -> ``{"type": "r2_bucket", "bucket_name": b.name, "jurisdiction": b.jurisdiction}``
- ``d1Database:D1Database`` -> ``{"type": "d1", "database_id": db.id}``
- ``queue:Queue`` -> ``{"type": "queue", "queue_name": q.queue_name}``
- ``workersScript:WorkersScript`` (and the deprecated ``workerScript:WorkerScript``) ->
  ``{"type": "service", "service": s.script_name}``
- ``hyperdriveConfig:HyperdriveConfig`` -> ``{"type": "hyperdrive", "id": h.id}``

An R2 bucket's ``jurisdiction`` Output is ``"default"`` unless the bucket was created in one; the binding
then carries no ``jurisdiction`` (a ``None`` value, which Pulumi drops from the input). Any other
``pulumi_cloudflare`` resource is a ``TypeError`` that names its type and shows the ``dict`` form to use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pulumi

from .failures import ProgramTypeError

__all__ = ["SUPPORTED_TYPES", "cloudflare_binding", "cloudflare_type"]

_PREFIX = "cloudflare:"
_PROVIDER_TYPE = "pulumi:providers:cloudflare"


def _output(resource: pulumi.CustomResource, attribute: str) -> pulumi.Output[Any]:
    value = getattr(resource, attribute, None)
    if not isinstance(value, pulumi.Output):
        raise ProgramTypeError(
            f"{type(resource).__name__} {resource.pulumi_resource_name!r} "
            f"({resource.pulumi_resource_type}) has no {attribute!r} output; pulumi_cloudflare_workflows "
            "converts resources of pulumi-cloudflare 6.x. Pass a dict in Cloudflare's binding shape instead"
        )
    return value


def _r2_jurisdiction(value: Any) -> Any:
    # The binding accepts "eu"/"fedramp"/...; "default" (the bucket's computed value) means "no jurisdiction".
    return None if value in (None, "", "default") else value


def _kv_namespace(r: pulumi.CustomResource) -> dict[str, Any]:
    return {"type": "kv_namespace", "namespace_id": r.id}


def _r2_bucket(r: pulumi.CustomResource) -> dict[str, Any]:
    return {
        "type": "r2_bucket",
        "bucket_name": _output(r, "name"),
        "jurisdiction": _output(r, "jurisdiction").apply(_r2_jurisdiction),
    }


def _d1_database(r: pulumi.CustomResource) -> dict[str, Any]:
    # `database_id` is the field Cloudflare's schema requires (`id` is its deprecated alias, which wrangler
    # still sends); the provider's rules and cloudflare-local accept either.
    return {"type": "d1", "database_id": r.id}


def _queue(r: pulumi.CustomResource) -> dict[str, Any]:
    return {"type": "queue", "queue_name": _output(r, "queue_name")}


def _service(r: pulumi.CustomResource) -> dict[str, Any]:
    return {"type": "service", "service": _output(r, "script_name")}


def _hyperdrive(r: pulumi.CustomResource) -> dict[str, Any]:
    return {"type": "hyperdrive", "id": r.id}


_CONVERTERS: dict[str, Callable[[pulumi.CustomResource], dict[str, Any]]] = {
    "cloudflare:index/workersKvNamespace:WorkersKvNamespace": _kv_namespace,
    "cloudflare:index/r2Bucket:R2Bucket": _r2_bucket,
    "cloudflare:index/d1Database:D1Database": _d1_database,
    "cloudflare:index/queue:Queue": _queue,
    "cloudflare:index/workersScript:WorkersScript": _service,
    "cloudflare:index/workerScript:WorkerScript": _service,
    "cloudflare:index/hyperdriveConfig:HyperdriveConfig": _hyperdrive,
}

SUPPORTED_TYPES: tuple[str, ...] = tuple(_CONVERTERS)
"""The ``pulumi_cloudflare`` type tokens a Worker binding accepts as is."""

_HINTS = {
    "cloudflare:index/workflow:Workflow": (
        "bind it with WorkflowBinding(wf.workflow_name, wf.class_name, wf.script_name), or declare the "
        "workflow with pulumi_cloudflare_workflows.Workflow so that its Worker hosts it"
    ),
}


def cloudflare_type(value: Any) -> str | None:
    """The type token when `value` is a resource of the ``cloudflare`` package (or its provider)."""
    if not isinstance(value, pulumi.CustomResource):
        return None
    token = getattr(value, "pulumi_resource_type", None)
    if isinstance(token, str) and (token.startswith(_PREFIX) or token == _PROVIDER_TYPE):
        return token
    return None


def cloudflare_binding(binding_name: str, value: Any) -> dict[str, Any] | None:
    """Cloudflare's binding body for a ``pulumi_cloudflare`` resource, ``None`` for anything else.

    Raises ``TypeError`` for a ``pulumi_cloudflare`` resource that has no binding conversion.
    """
    token = cloudflare_type(value)
    if token is None:
        return None
    convert = _CONVERTERS.get(token)
    if convert is not None:
        return convert(value)
    supported = ", ".join(t.rsplit(":", 1)[-1] for t in SUPPORTED_TYPES)
    hint = _HINTS.get(
        token,
        "pass a dict in Cloudflare's binding shape built from its outputs instead, e.g. "
        '{"type": "mtls_certificate", "certificate_id": cert.id}',
    )
    raise ProgramTypeError(
        f"binding {binding_name!r}: pulumi_cloudflare {type(value).__name__} ({token}) cannot be bound "
        f"directly; the supported pulumi_cloudflare resources are {supported}. To bind it, {hint}"
    )
