"""``DurableObject``: a Durable Object class, declared in the program, hosted by the Worker that exports it.

A ``DurableObject(...)`` is a declaration with no resource of its own: Cloudflare has no call that creates,
renames or deletes a Durable Object namespace by itself. A namespace comes and goes with the ``migrations``
of its script's uploads, so the Worker that hosts the class carries it (its ``durable_objects`` input, by
stable identifier) and its provider plans those migrations (the provider's ``migrations`` module). A
resource of its own would show a step that can change nothing by itself, and could order nothing the host's
upload does not already order.

Hosting follows the Workflow's rule (``rules.is_hosted``): the Worker whose name is its ``script_name``, or
the one that binds it when it has none, hosts it; exactly one Worker does. Any other Worker binds it
cross-script (``{"type": "durable_object_namespace", "class_name", "script_name"}``, no migration) and is
deployed after the host: the binding's ``script_name`` is the host's ``name`` output once a Worker of the
program hosts it (even one declared later), else the literal ``script_name`` once the program body has run.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi_cloudflare_workflows_provider import rules

from .failures import ProgramError, ProgramTypeError, raise_failures
from .hosting import Hosting

__all__ = ["DurableObject"]


class DurableObject:
    """A Durable Object class, bound in a Worker's ``bindings`` like a ``Workflow``.

    Example::

        counter = DurableObject("counter", class_name="Counter")
        host = Worker("api", entrypoint="workers/api.mjs", bindings={"COUNTER": counter})  # hosts it
        Worker("admin", entrypoint="workers/admin.mjs", bindings={"COUNTER": host.bindings["COUNTER"]})

    :param resource_name: the stable identifier, from which the host computes its migrations: a new one
        creates the class (``new_sqlite_classes``, or ``new_classes`` with ``sqlite=False``), a changed
        ``class_name`` renames it (its stored data is kept), and a Durable Object that leaves the program is
        deleted with its data once the script no longer exports its class. Never rename it.
    :param class_name: the exported Durable Object class. Defaults to ``resource_name`` when that is a valid
        JavaScript class name; otherwise required.
    :param sqlite: SQLite-backed storage (Cloudflare's default for new classes); ``False`` for the key-value
        backend. Fixed once the class exists.
    :param script_name: the Worker script that exports the class, when it is not the Worker that binds it.
    """

    resource_name: str
    class_name: str
    sqlite: bool
    declared_script_name: str | None
    hosting: Hosting[pulumi.Resource | None]
    script_name: pulumi.Output[str | None]
    """The script that hosts the class: the host Worker's ``name`` output, or the literal ``script_name``."""

    def __init__(
        self,
        resource_name: str,
        *,
        class_name: str | None = None,
        sqlite: bool = True,
        script_name: str | None = None,
    ) -> None:
        if not isinstance(resource_name, str) or not resource_name:
            raise ProgramError("DurableObject needs a resource_name (its stable identifier)")
        for what, value in (("class_name", class_name), ("script_name", script_name)):
            if value is not None and not isinstance(value, str):
                raise ProgramTypeError(
                    f"DurableObject {what} must be a plain str, not {type(value).__name__}: the migrations "
                    "and the hosting are decided while the program runs"
                )
        if not isinstance(sqlite, bool):
            raise ProgramTypeError(f"DurableObject sqlite must be True or False, not {sqlite!r}")
        if class_name is None:
            if not rules.is_js_class_name(resource_name):
                raise ProgramError(
                    f"DurableObject {resource_name!r}: class_name is required because {resource_name!r} is "
                    "not a valid JavaScript class name (pass the name of the exported Durable Object class)"
                )
            class_name = resource_name
        failures = rules.validate_class_name(class_name)
        if script_name is not None:
            failures += rules.validate_script_name(script_name, "script_name")
        raise_failures("DurableObject", resource_name, failures)

        self.resource_name = resource_name
        self.class_name = class_name
        self.sqlite = sqlite
        self.declared_script_name = script_name
        # Hosting's handshake (claim, register, abandon, the unhosted fallback), with nothing to register:
        # what the declaration resolves to is its host Worker, or none when no Worker of the program hosts it.
        self.hosting: Hosting[pulumi.Resource | None] = Hosting(
            "DurableObject",
            resource_name,
            script_name,
            None,
            lambda _script, _account, depends_on: depends_on[0] if depends_on else None,
            lambda: None,
        )
        self.script_name = self.hosting.resource.apply(
            lambda host: host.name if host is not None else script_name  # type: ignore[attr-defined]
        )

    def __repr__(self) -> str:
        return f"DurableObject({self.resource_name!r}, class_name={self.class_name!r})"

    # --- as a binding (used by Worker) ----------------------------------------------------------------------

    def declaration(self) -> dict[str, Any]:
        """What the host's ``durable_objects`` input holds for it (its migrations are planned from it)."""
        return {"class_name": self.class_name, "sqlite": self.sqlite}

    def hosted_binding(self) -> dict[str, Any]:
        """The binding body its host uploads (no ``script_name``: "this script")."""
        return {"type": rules.DURABLE_OBJECT_BINDING, "class_name": self.class_name}

    def cross_script_binding(self) -> dict[str, Any]:
        """The binding another script uses: no migration, ordered after the host."""
        return {
            "type": rules.DURABLE_OBJECT_BINDING,
            "class_name": self.class_name,
            "script_name": self.script_name,
        }
