"""Binding values -> Cloudflare's binding shape (the body without ``name``).

What a Worker's ``bindings`` accepts, per binding name, and what it becomes:

- ``Workflow``: a ``workflow`` binding; the Worker *hosts* the workflow unless the Workflow's ``script_name``
  names another script (see ``Worker``).
- ``WorkflowBinding`` (e.g. another Worker's ``worker.bindings["X"]``): a cross-script ``workflow`` binding
  ``{workflow_name, class_name, script_name}``; this Worker is deployed after the workflow is registered.
- ``str``: ``{"type": "plain_text", "text": value}``.
- ``Output[str]`` that is secret (e.g. ``config.require_secret(...)``):
  ``{"type": "secret_text", "text": value}``.
- ``Output[str]`` that is not secret: ``{"type": "plain_text", "text": value}``.
- ``dict``: taken as Cloudflare's binding shape, e.g. ``{"type": "kv_namespace", "namespace_id": "..."}``;
  ``type`` is required.
- a ``pulumi_cloudflare`` resource (``WorkersKvNamespace``, ``R2Bucket``, ``D1Database``, ``Queue``,
  ``WorkersScript``, ``HyperdriveConfig``): the binding built from its Outputs (see ``interop``), so the
  Worker is deployed after it. ``pulumi_cloudflare`` itself is never imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

import pulumi

from .failures import ProgramError, ProgramTypeError
from .interop import cloudflare_binding

if TYPE_CHECKING:
    from .workflow import Workflow

__all__ = ["BindingValue", "WorkflowBinding", "text_binding", "to_cloudflare"]


@dataclass(frozen=True)
class WorkflowBinding:
    """A binding to a Workflow whose class lives in another script (cross-script).

    You usually get one from a host Worker (``host.bindings["ORDERS"]``), which carries Outputs of the
    registered workflow, so the client Worker is deployed after the workflow's registration. Built by hand
    with plain strings, it binds a workflow that another stack or tool (e.g. wrangler) owns, without
    registering anything.
    """

    workflow_name: pulumi.Input[str]
    class_name: pulumi.Input[str]
    script_name: pulumi.Input[str]

    def to_cloudflare(self) -> dict[str, Any]:
        return {
            "type": "workflow",
            "workflow_name": self.workflow_name,
            "class_name": self.class_name,
            "script_name": self.script_name,
        }


BindingValue = Union[
    "Workflow", WorkflowBinding, str, pulumi.Output[str], Mapping[str, Any], pulumi.CustomResource
]
"""What ``Worker(bindings=...)`` accepts per binding name (``pulumi.CustomResource``: a ``pulumi_cloudflare``
resource of a supported type)."""


def text_binding(value: pulumi.Output[str]) -> pulumi.Output[dict[str, Any]]:
    """``secret_text`` when the Output is secret, ``plain_text`` otherwise (the body stays secret)."""

    async def body() -> dict[str, Any]:
        secret = await value.is_secret()
        text = await value.future()
        return {"type": "secret_text" if secret else "plain_text", "text": text}

    return pulumi.Output(value.resources(), body(), value.is_known(), value.is_secret())


def to_cloudflare(binding_name: str, value: Any) -> Any:
    """The Cloudflare binding body for every value kind except ``Workflow`` (which the Worker resolves)."""
    if isinstance(value, WorkflowBinding):
        return value.to_cloudflare()
    if isinstance(value, str):
        return {"type": "plain_text", "text": value}
    if isinstance(value, pulumi.Output):
        return text_binding(value)
    if isinstance(value, Mapping):
        if "type" not in value:
            raise ProgramError(
                f"binding {binding_name!r}: a dict binding must be in Cloudflare's binding shape "
                "with a 'type', e.g. "
                '{"type": "kv_namespace", "namespace_id": "..."}'
            )
        if "name" in value and isinstance(value["name"], str) and value["name"] != binding_name:
            raise ProgramError(
                f"binding {binding_name!r}: the dict names {value['name']!r}; drop 'name' or match it"
            )
        return {k: v for k, v in value.items() if k != "name"}
    body = cloudflare_binding(binding_name, value)
    if body is not None:
        return body
    raise ProgramTypeError(
        f"binding {binding_name!r}: unsupported value {type(value).__name__}; use a Workflow, another "
        "Worker's bindings[...], a str, a (secret) Output[str], a dict in Cloudflare's binding shape, or a "
        "pulumi_cloudflare KV namespace, R2 bucket, D1 database, queue, Workers script or Hyperdrive config"
    )
