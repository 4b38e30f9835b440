"""``Workflow``: a Cloudflare Workflow, declared in the program and registered when a Worker hosts it.

``Workflow(...)`` is a *declaration* (a plain Python object). Its resource (``WorkflowResource``, type
``pulumi-python:dynamic/cloudflare:Workflow``, logical name = the Workflow's ``resource_name``) is registered
by the ``Worker`` that hosts it, after that Worker, or on its own once the program body has run when no Worker
does: :mod:`.hosting` holds that handshake and its rules. Construct Workers at the top level of the program
(not inside ``apply``), so hosting is seen.

Its outputs (``workflow_name``, ``class_name``, ``script_name``, ``workflow_id``, ``version_id``,
``resource``) resolve once it is registered and carry a dependency on the registered resource: a Worker that
binds the Workflow cross-script is therefore deployed after the Workflow's registration, even if it is
declared first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi.dynamic
from pulumi_cloudflare_workflows_provider import naming, rules
from pulumi_cloudflare_workflows_provider.plan import DERIVED_MARK
from pulumi_cloudflare_workflows_provider.workflow import WorkflowProvider

from .bindings import WorkflowBinding
from .claims import claim_name
from .config import resolve_account_id, stable_id
from .failures import ProgramError, ProgramTypeError, raise_failures
from .hosting import Hosting
from .imports import take_import

__all__ = ["Workflow", "WorkflowResource"]


class WorkflowResource(pulumi.dynamic.Resource, module="cloudflare", name="Workflow"):
    """The registered Workflow (what previews and state show). Created by ``Workflow``; not built directly."""

    # For type checkers and editors only: Pulumi resolves a resource class's annotations with
    # typing.get_type_hints on every registration, uncached (pulumi/_types.py, resource_types), which cost
    # 0.3-0.6 ms per resource here (benchmarks/bench_scale.py). The outputs themselves need no declared type.
    if TYPE_CHECKING:
        account_id: pulumi.Output[str]
        workflow_name: pulumi.Output[str]
        """The Cloudflare workflow name (account-global; the resource's id)."""
        class_name: pulumi.Output[str]
        """The ``WorkflowEntrypoint`` class that runs the workflow."""
        script_name: pulumi.Output[str]
        """The Worker script that exports the class."""
        limits: pulumi.Output[dict[str, int] | None]
        schedules: pulumi.Output[list[str] | None]
        """The cron triggers in their one spelling (single spaces, upper case, distinct), state order."""
        default_retention: pulumi.Output[dict[str, int] | None]
        """``success_retention``/``error_retention`` in milliseconds."""
        adopt: pulumi.Output[bool]
        derived_name: pulumi.Output[bool]
        """True when ``workflow_name`` was derived from the logical name: ``check`` then refuses to let it
        change, and ``create`` refuses it next to a live workflow on the same class (a rename without an
        alias)."""
        workflow_id: pulumi.Output[str]
        """Cloudflare's id for the workflow: stable across class renames and script moves."""
        version_id: pulumi.Output[str]
        created_on: pulumi.Output[str]

    def __init__(self, resource_name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None):
        super().__init__(
            WorkflowProvider(),
            resource_name,
            {**props, "workflow_id": None, "version_id": None, "created_on": None},
            opts,
        )


def _require_str(what: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise ProgramTypeError(
            f"{what} must be a plain str, not {type(value).__name__}: hosting and the pre-upload class "
            "check are decided while the program runs"
        )


class Workflow:
    """A Cloudflare Workflow: a durable, multi-step ``WorkflowEntrypoint`` class, addressed by name.

    Example::

        orders = Workflow("orders", class_name="OrderWorkflow")
        Worker("host", entrypoint="workers/host.mjs", bindings={"ORDERS": orders})  # hosts and registers it

    :param resource_name: the stable identifier (Pulumi logical name). Immutable: renaming it means a new
        workflow unless you keep the old identity with ``opts=ResourceOptions(aliases=[Alias(name="old")])``.
    :param workflow_name: the Cloudflare workflow name (1-64 chars, ``[a-zA-Z0-9_-]``). Defaults to
        ``{project}-{stack}-{resource_name}`` (hash-shortened to 64), never to the class name. Changing it
        replaces the workflow.
    :param class_name: the exported ``WorkflowEntrypoint`` class. Defaults to ``resource_name`` when that is a
        valid JavaScript class name; otherwise required. Changing it updates the workflow in place (same id).
    :param script_name: the Worker script that exports the class, when it is not the Worker that binds it.
    :param limits: e.g. ``{"steps": 100}``.
    :param schedules: cron triggers that start an instance, e.g. ``["0 9 * * MON-FRI"]``, in Cloudflare's
        syntax (five fields, UTC; day-of-week 1-7 is Sunday-Saturday), at most 200. Order, duplicates, spaces
        and the case of names never make a diff. ``None`` leaves the workflow's schedules as they are
        (set elsewhere, or none); ``[]`` removes them. Changing them updates the workflow in place.
    :param default_retention: how long finished instances are kept, ``{"success_retention": "7 days",
        "error_retention": "30 days"}``, each in milliseconds or a duration string (``"1 week"`` and
        ``604800000`` are the same value, and never make a diff); a value left out is Cloudflare's default.
        ``None`` leaves the workflow's retention as it is; ``{}`` clears it. An in-place update.
    :param adopt: take over a workflow with this name that already exists (otherwise ``create`` refuses).
    :param account_id: defaults to the hosting Worker's account, else ``cloudflare-workflows:accountId`` /
        ``CLOUDFLARE_ACCOUNT_ID``.
    :param opts: resource options for the registered ``WorkflowResource`` (``aliases``, ``protect``, ...). Do
        not set ``parent`` to the host Worker: the URN would change whenever the workflow changes host.
    """

    resource_name: str
    declared_workflow_name: str
    declared_class_name: str
    declared_script_name: str | None

    workflow_name: pulumi.Output[str]
    class_name: pulumi.Output[str]
    script_name: pulumi.Output[str]
    workflow_id: pulumi.Output[str]
    version_id: pulumi.Output[str]
    resource: pulumi.Output[WorkflowResource]

    def __init__(
        self,
        resource_name: str,
        *,
        workflow_name: str | None = None,
        class_name: str | None = None,
        script_name: str | None = None,
        limits: dict[str, int] | None = None,
        schedules: Sequence[str] | None = None,
        default_retention: Mapping[str, int | str] | None = None,
        adopt: bool = False,
        account_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if not isinstance(resource_name, str) or not resource_name:
            raise ProgramError("Workflow needs a resource_name (its stable identifier)")
        for what, value in (
            ("workflow_name", workflow_name),
            ("class_name", class_name),
            ("script_name", script_name),
        ):
            _require_str(what, value)
        if class_name is None:
            if not rules.is_js_class_name(resource_name):
                raise ProgramError(
                    f"Workflow {resource_name!r}: class_name is required because {resource_name!r} is not a "
                    "valid JavaScript class name (pass the name of the exported WorkflowEntrypoint class)"
                )
            class_name = resource_name
        # The name comes from the logical name (steers the rename guards of the Workflow and of its host).
        self.derived_name = workflow_name is None
        if workflow_name is None:
            workflow_name = naming.default_workflow_name(
                pulumi.get_project(), pulumi.get_stack(), stable_id(resource_name, opts)
            )
        failures = rules.validate_workflow_name(workflow_name) + rules.validate_class_name(class_name)
        if script_name is not None:
            failures += rules.validate_script_name(script_name, "script_name")
        failures += rules.validate_limits(limits)
        failures += rules.validate_schedules(schedules)
        failures += rules.validate_default_retention(default_retention)
        raise_failures("Workflow", resource_name, failures)
        claim_name("Workflow", account_id or resolve_account_id(), workflow_name, resource_name)

        self.resource_name = resource_name
        self.declared_workflow_name = workflow_name
        self.declared_class_name = class_name
        self.declared_script_name = script_name
        self._limits = dict(limits) if limits else None
        self._schedules = list(schedules) if schedules is not None else None
        self._default_retention = dict(default_retention) if default_retention is not None else None
        self._adopt = adopt
        self._opts = opts

        self.hosting: Hosting[WorkflowResource] = Hosting(
            "Workflow",
            resource_name,
            script_name,
            account_id,
            self._register,
            lambda: resolve_account_id(account_id),
        )
        self.resource = self.hosting.resource
        self.workflow_name = self.resource.apply(lambda r: r.workflow_name)
        self.class_name = self.resource.apply(lambda r: r.class_name)
        self.script_name = self.resource.apply(lambda r: r.script_name)
        self.workflow_id = self.resource.apply(lambda r: r.workflow_id)
        self.version_id = self.resource.apply(lambda r: r.version_id)

    def __repr__(self) -> str:
        return f"Workflow({self.resource_name!r}, workflow_name={self.declared_workflow_name!r})"

    # --- as a binding (used by Worker) ----------------------------------------------------------------------

    def hosted_binding(self) -> dict[str, Any]:
        """The binding body its hosting Worker uploads (the derived-name mark steers the rename guard)."""
        return {
            "type": "workflow",
            "workflow_name": self.declared_workflow_name,
            "class_name": self.declared_class_name,
            **({DERIVED_MARK: True} if self.derived_name else {}),
        }

    def cross_script_binding(self) -> WorkflowBinding:
        """The binding another script uses: its names come from the registered resource's outputs."""
        return WorkflowBinding(self.workflow_name, self.class_name, self.script_name)

    def _register(
        self, script_name: pulumi.Input[str] | None, account_id: str | None, depends_on: list[pulumi.Resource]
    ) -> WorkflowResource:
        opts, import_id, account_id = take_import(
            "workflow",
            self.resource_name,
            pulumi.ResourceOptions.merge(self._opts, pulumi.ResourceOptions(depends_on=depends_on)),
            account_id,
            self.declared_workflow_name,
        )
        props: dict[str, Any] = {
            "account_id": account_id,
            "workflow_name": self.declared_workflow_name,
            "class_name": self.declared_class_name,
            "script_name": script_name,
            "limits": self._limits,
            "schedules": self._schedules,
            "default_retention": self._default_retention,
            "adopt": self._adopt,
            "derived_name": self.derived_name,
            "import_id": import_id,
        }
        return WorkflowResource(self.resource_name, props, opts)
