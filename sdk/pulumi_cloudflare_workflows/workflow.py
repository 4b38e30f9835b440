"""``Workflow``: a Cloudflare Workflow, declared in the program and registered when a Worker hosts it.

``Workflow(...)`` is a *declaration* (a plain Python object). It becomes a Pulumi resource
(``WorkflowResource``, type ``pulumi-python:dynamic/cloudflare:Workflow``, logical name = the Workflow's
``resource_name``) in one of two ways:

1. **Hosted.** A ``Worker`` that binds it, and whose script name equals the Workflow's ``script_name`` (or the
   Workflow has none), hosts it: the Worker registers itself, then registers the Workflow with ``script_name``
   set to its own name output and a dependency on itself. So a fresh ``up`` registers the workflow after the
   script upload, and ``destroy`` deletes it before the script. A declaration has exactly one host.
2. **Standalone.** After the program body has run, a declaration that no Worker hosted is registered on its
   own: with its literal ``script_name`` when set (the class lives in a script deployed outside this program),
   or without one, in which case the provider's ``check`` fails before any API call with "Workflow ... is not
   hosted". Construct Workers at the top level of the program (not inside ``apply``), so hosting is seen.

Its outputs (``workflow_name``, ``class_name``, ``script_name``, ``workflow_id``, ``version_id``,
``resource``) resolve once it is registered and carry a dependency on the registered resource: a Worker that
binds the Workflow cross-script is therefore deployed after the Workflow's registration, even if it is
declared first.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi.dynamic
from pulumi.runtime.settings import get_root_resource
from pulumi.runtime.stack import Stack
from pulumi_cloudflare_workflows_provider import naming, rules
from pulumi_cloudflare_workflows_provider.workflow import WorkflowProvider

from .claims import claim_name
from .config import resolve_account_id, stable_id
from .imports import take_import

if TYPE_CHECKING:
    from .worker import Worker

__all__ = ["Workflow", "WorkflowResource"]


class WorkflowResource(pulumi.dynamic.Resource, module="cloudflare", name="Workflow"):
    """The registered Workflow (what previews and state show). Created by ``Workflow``; not built directly."""

    account_id: pulumi.Output[str]
    workflow_name: pulumi.Output[str]
    """The Cloudflare workflow name (account-global; the resource's id)."""
    class_name: pulumi.Output[str]
    """The ``WorkflowEntrypoint`` class that runs the workflow."""
    script_name: pulumi.Output[str]
    """The Worker script that exports the class."""
    limits: pulumi.Output[dict[str, int] | None]
    adopt: pulumi.Output[bool]
    derived_name: pulumi.Output[bool]
    """True when ``workflow_name`` was derived from the logical name: ``check`` then refuses to let it change,
    and ``create`` refuses it next to a live workflow on the same class (a rename without an alias)."""
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
        raise TypeError(
            f"{what} must be a plain str, not {type(value).__name__}: hosting and the pre-upload class "
            "check are decided while the program runs"
        )


def _raise_failures(resource_name: str, failures: list[rules.Failure]) -> None:
    if failures:
        reasons = "; ".join(f"{prop}: {reason}" for prop, reason in failures)
        raise ValueError(f"Workflow {resource_name!r}: {reasons}")


async def _after_program_body() -> None:
    """Return once the program body has finished (the root Stack registered its outputs).

    Under the real runtime the body runs synchronously before the first await, so this returns at once; if the
    body pumps the event loop early (a synchronous invoke, or an async ``pulumi.run`` program), it waits.
    Under ``pulumi.runtime.set_mocks`` the Stack is finished up front and this returns on first run (after the
    test function's body).
    """
    root = get_root_resource()
    while isinstance(root, Stack) and not getattr(root, "_outputs_registered", True):
        await asyncio.sleep(0.01)


class Workflow:
    """A Cloudflare Workflow: a durable, multi-step ``WorkflowEntrypoint`` class, addressed by name.

    Example::

        orders = Workflow("orders", class_name="OrderWorkflow")
        Worker("host", entrypoint="src/host.mjs", bindings={"ORDERS": orders})  # hosts and registers it

    :param resource_name: the stable identifier (Pulumi logical name). Immutable: renaming it means a new
        workflow unless you keep the old identity with ``opts=ResourceOptions(aliases=[Alias(name="old")])``.
    :param workflow_name: the Cloudflare workflow name (1-64 chars, ``[a-zA-Z0-9_-]``). Defaults to
        ``{project}-{stack}-{resource_name}`` (hash-shortened to 64), never to the class name. Changing it
        replaces the workflow.
    :param class_name: the exported ``WorkflowEntrypoint`` class. Defaults to ``resource_name`` when that is a
        valid JavaScript class name; otherwise required. Changing it updates the workflow in place (same id).
    :param script_name: the Worker script that exports the class, when it is not the Worker that binds it.
    :param limits: e.g. ``{"steps": 100}``.
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
        adopt: bool = False,
        account_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if not isinstance(resource_name, str) or not resource_name:
            raise ValueError("Workflow needs a resource_name (its stable identifier)")
        for what, value in (
            ("workflow_name", workflow_name),
            ("class_name", class_name),
            ("script_name", script_name),
        ):
            _require_str(what, value)
        if class_name is None:
            if not rules.is_js_class_name(resource_name):
                raise ValueError(
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
        _raise_failures(resource_name, failures)
        claim_name("Workflow", account_id or resolve_account_id(), workflow_name, resource_name)

        self.resource_name = resource_name
        self.declared_workflow_name = workflow_name
        self.declared_class_name = class_name
        self.declared_script_name = script_name
        self._limits = dict(limits) if limits else None
        self._adopt = adopt
        self._account_id = account_id
        self._opts = opts
        self._host: Worker | None = None

        loop = asyncio.get_event_loop()
        self._registered: asyncio.Future[WorkflowResource] = loop.create_future()
        # Failures reach the program through the outputs; don't also warn "exception was never retrieved".
        self._registered.add_done_callback(lambda f: f.cancelled() or f.exception())

        async def resources() -> set[pulumi.Resource]:
            return {await self._registered}

        async def known() -> bool:
            await self._registered
            return True

        async def secret() -> bool:
            return False

        self.resource = pulumi.Output(resources(), self._registered, known(), secret())
        self.workflow_name = self.resource.apply(lambda r: r.workflow_name)
        self.class_name = self.resource.apply(lambda r: r.class_name)
        self.script_name = self.resource.apply(lambda r: r.script_name)
        self.workflow_id = self.resource.apply(lambda r: r.workflow_id)
        self.version_id = self.resource.apply(lambda r: r.version_id)
        self._deferred = asyncio.ensure_future(self._register_if_unhosted())

    def __repr__(self) -> str:
        return f"Workflow({self.resource_name!r}, workflow_name={self.declared_workflow_name!r})"

    # --- hosting (used by Worker) ---------------------------------------------------------------------------

    def is_hosted_by(self, script_name: str) -> bool:
        """Whether a Worker with this script name hosts the workflow (it has no script_name, or this one)."""
        return self.declared_script_name is None or self.declared_script_name == script_name

    def _claim(self, worker: Worker, worker_resource_name: str, account_id: str | None) -> None:
        """Reserve this declaration for `worker` (before the Worker registers; raises on a second host)."""
        if self._host is worker:
            return
        if self._account_id and account_id and self._account_id != account_id:
            raise ValueError(
                f"Workflow {self.resource_name!r} is in account {self._account_id} but its host Worker "
                f"{worker_resource_name!r} is in {account_id}; a workflow lives in its script's account"
            )
        if self._host is not None:
            raise ValueError(
                f"Workflow {self.resource_name!r} is already hosted by Worker "
                f"{getattr(self._host, '_cfwf_resource_name', '?')!r}; it cannot also be hosted by "
                f"{worker_resource_name!r}. A workflow has one host: to call it from another Worker, bind "
                "host.bindings[...] there (or give the Workflow a script_name naming its host)"
            )
        if self._registered.done():
            raise ValueError(
                f"Workflow {self.resource_name!r} was already registered on its own before Worker "
                f"{worker_resource_name!r} was constructed; construct Workers at the top level of the "
                "program, before anything that waits on outputs"
            )
        self._host = worker

    def _register_hosted(self, worker: Worker, account_id: str | None) -> None:
        self._register(worker.name, self._account_id or account_id, [worker])

    def _abandon(self, exc: BaseException) -> None:
        """The host failed before registering this workflow: fail its outputs, never leave them pending."""
        if not self._registered.done():
            self._registered.set_exception(exc)

    async def _register_if_unhosted(self) -> None:
        await _after_program_body()
        if self._host is not None or self._registered.done():
            return
        self._register(self.declared_script_name, resolve_account_id(self._account_id), [])

    def _register(
        self, script_name: pulumi.Input[str] | None, account_id: str | None, depends_on: list[Any]
    ) -> None:
        try:
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
                "adopt": self._adopt,
                "derived_name": self.derived_name,
                "import_id": import_id,
            }
            resource = WorkflowResource(self.resource_name, props, opts)
        except BaseException as exc:
            if not self._registered.done():
                self._registered.set_exception(exc)
            raise
        self._registered.set_result(resource)
