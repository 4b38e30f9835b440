"""``Worker``: a Cloudflare Worker script (ES module), its bindings, and the Workflows it hosts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi.dynamic
from pulumi_cloudflare_workflows_provider import migrations, naming, rules
from pulumi_cloudflare_workflows_provider.plan import DEFAULT_COMPATIBILITY_DATE, DEFAULT_MAIN_MODULE
from pulumi_cloudflare_workflows_provider.worker import WorkerProvider

from .bindings import BindingValue, to_cloudflare
from .bundle import BundleError, load_entrypoint
from .claims import claim_name
from .config import resolve_account_id, stable_id
from .durable_object import DurableObject
from .failures import ProgramError, ProgramTypeError, raise_failures
from .hosting import Host
from .imports import take_import
from .workflow import Workflow

__all__ = ["DEFAULT_COMPATIBILITY_DATE", "Worker"]


class Worker(pulumi.dynamic.Resource, module="cloudflare", name="Worker"):
    """A Cloudflare Worker script (ES modules), with its bindings.

    Example::

        orders = Workflow("orders", class_name="OrderWorkflow")
        host = Worker("order-host", entrypoint="workers/host.mjs", bindings={"ORDERS": orders})
        client = Worker(
            "order-api", entrypoint="workers/api.mjs", bindings={"ORDERS": host.bindings["ORDERS"]}
        )

    A ``Workflow`` bound here with no ``script_name``, or with this Worker's ``name``, is hosted here: this
    Worker registers it after itself (:mod:`.hosting`), and its ``check`` verifies before any upload that the
    script exports the Workflow's class. Any other ``Workflow`` is bound cross-script, after its registration.

    :param resource_name: the stable identifier (Pulumi logical name).
    :param name: the script name. Defaults to ``{project}-{stack}-{resource_name}``, lower-cased, at most 63
        characters (hash-shortened). Changing it replaces the script.
    :param script: ES-module source (``main_module`` ``worker.mjs``). Exactly one of
        ``script``/``entrypoint``.
    :param entrypoint: path to the Worker's main file, read when the program runs (:mod:`.bundle`). A
        ``.js``/``.mjs`` file that imports nothing but ``cloudflare:*``/``node:*`` is uploaded as is under its
        base name; a ``.ts``/``.mts`` file, or one that imports other modules, is bundled with esbuild into
        one module (``index.ts`` -> ``index.js``, ``index.mts`` -> ``index.mjs``).
    :param modules: a pre-built multi-module Worker's other ES modules: module name (a relative path such as
        ``lib/util.mjs``, as the main module imports it) -> source, each uploaded as its own part. The
        entrypoint is then uploaded as it is, never bundled.
    :param compatibility_date: ``YYYY-MM-DD``; defaults to the fixed ``DEFAULT_COMPATIBILITY_DATE`` (never
        "today", which would change every day).
    :param compatibility_flags: e.g. ``["nodejs_compat"]`` (order does not matter).
    :param bindings: binding name -> ``Workflow``, ``DurableObject`` (hosted here, with its migrations, unless
        its ``script_name`` names another script), another Worker's ``bindings[...]``, ``str`` (plain text),
        ``Output[str]`` (secret text when the Output is secret), or a ``dict`` in Cloudflare's binding shape.
    :param adopt: take over a script with this name that already exists (otherwise ``create`` refuses).
    :param account_id: defaults to ``cloudflare-workflows:accountId``, then ``CLOUDFLARE_ACCOUNT_ID``.
    """

    # For type checkers and editors only: Pulumi resolves a resource class's annotations with
    # typing.get_type_hints on every registration, uncached (pulumi/_types.py, resource_types), which cost
    # 0.3-0.6 ms per resource here (benchmarks/bench_scale.py). The outputs themselves need no declared type.
    if TYPE_CHECKING:
        account_id: pulumi.Output[str]
        name: pulumi.Output[str]
        """The script name (the resource's id)."""
        script: pulumi.Output[str]
        main_module: pulumi.Output[str]
        modules: pulumi.Output[dict[str, str] | None]
        """The extra modules (name -> source); ``None`` for a one-module Worker."""
        compatibility_date: pulumi.Output[str]
        compatibility_flags: pulumi.Output[list[str]]
        adopt: pulumi.Output[bool]
        derived_name: pulumi.Output[bool]
        """True when ``name`` was derived from the logical name: ``check`` then refuses to let it change."""
        owner_tag: pulumi.Output[str]
        """The script tag marking it as this resource's, so a refused create can name an interrupted create of
        this stack as the likely cause (it is never taken over without ``adopt=True``)."""
        etag: pulumi.Output[str]
        created_on: pulumi.Output[str]
        modified_on: pulumi.Output[str]
        bindings: Mapping[str, BindingValue]
        """Re-export map: ``worker.bindings["X"]`` can be bound by another Worker as is. A Workflow hosted
        here comes out as a ``WorkflowBinding`` whose ``script_name`` is this script."""
        bindings_state: pulumi.Output[dict[str, dict[str, Any]]]
        """The ``bindings`` property as stored in state (binding name -> Cloudflare body without ``name``)."""
        hosted_workflows: list[Workflow]
        """The Workflows this Worker hosts (registered after it)."""
        durable_objects: pulumi.Output[dict[str, dict[str, Any]] | None]
        """The Durable Objects this Worker hosts, by stable id (``{"class_name", "sqlite"}``): its migrations
        are planned from them."""
        migration_tag: pulumi.Output[str | None]
        """The script's Durable Object migration tag as Cloudflare reported it."""
        declared_name: str
        """The script name as declared, a plain string known while the program runs (``name`` is its Output).
        Workflow's ``declared_*`` attributes follow the same convention."""

    def __init__(
        self,
        resource_name: str,
        *,
        name: str | None = None,
        script: pulumi.Input[str] | None = None,
        entrypoint: str | os.PathLike[str] | None = None,
        modules: Mapping[str, str] | None = None,
        compatibility_date: str | None = None,
        compatibility_flags: list[str] | None = None,
        bindings: Mapping[str, BindingValue] | None = None,
        adopt: bool = False,
        account_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if name is not None and not isinstance(name, str):
            raise ProgramTypeError(
                "Worker name must be a plain str: it decides which Workflows this Worker hosts"
            )
        identity = stable_id(resource_name, opts)
        owner_tag = naming.owner_tag(pulumi.get_project(), pulumi.get_stack(), identity)
        derived_name = name is None
        if name is None:
            name = naming.default_script_name(pulumi.get_project(), pulumi.get_stack(), identity)
        # Whatever fails from here on fails the outputs of the declarations this Worker would host, so none
        # registers as unhosted and hides this Worker's error behind a "not hosted" one.
        would_host = [
            value
            for value in (bindings or {}).values()
            if isinstance(value, (Workflow, DurableObject)) and value.hosting.hosted_by(name)
        ]
        try:
            failures = rules.validate_script_name(name)
            if compatibility_date is not None:
                failures += rules.validate_compatibility_date(compatibility_date)
            raise_failures("Worker", resource_name, failures)
            if (script is None) == (entrypoint is None):
                raise ProgramError(
                    f"Worker {resource_name!r}: pass exactly one of script= (source) or entrypoint= (a file)"
                )
            main_module = DEFAULT_MAIN_MODULE
            if entrypoint is not None:
                try:
                    loaded = load_entrypoint(
                        entrypoint, compatibility_flags=compatibility_flags or (), bundle=not modules
                    )
                except BundleError as exc:
                    raise BundleError(f"Worker {resource_name!r}: entrypoint: {exc}") from None
                if loaded.warnings:
                    pulumi.log.warn(f"Worker {resource_name!r}: esbuild, on {entrypoint}:\n{loaded.warnings}")
                main_module, script = loaded.main_module, loaded.source
            raise_failures("Worker", resource_name, rules.validate_modules(modules, main_module, script))

            opts, import_id, account = take_import(
                "Worker script", resource_name, opts, resolve_account_id(account_id), name
            )
            claim_name("Worker script", account, name, resource_name)
            self.declared_name = name
            host = Host(resource_name, name, account)

            wire: dict[str, Any] = {}
            hosted: list[Workflow] = []
            objects: dict[str, DurableObject] = {}  # the Durable Objects hosted here, by stable id
            for key, value in (bindings or {}).items():
                if not isinstance(value, (Workflow, DurableObject)):
                    wire[key] = to_cloudflare(key, value)
                elif not value.hosting.hosted_by(name):
                    if value.declared_script_name == resource_name:
                        raise ProgramError(
                            f"Worker {resource_name!r}: {type(value).__name__} {value.resource_name!r} has "
                            f"script_name={resource_name!r}, this Worker's logical name, not its script name "
                            f"{name!r}. Use script_name={name!r}, or give the Worker name={resource_name!r}"
                        )
                    wire[key] = to_cloudflare(key, value.cross_script_binding())
                elif isinstance(value, Workflow):
                    value.hosting.claim(host)
                    if value not in hosted:
                        hosted.append(value)
                    wire[key] = value.hosted_binding()
                else:
                    _host_durable_object(resource_name, value, objects, host)
                    wire[key] = value.hosted_binding()
            durable_objects = {sid: do.declaration() for sid, do in objects.items()} or None
            failures = migrations.validate_durable_objects(durable_objects, wire, name)
            raise_failures("Worker", resource_name, failures)
            super().__init__(
                WorkerProvider(),
                resource_name,
                {
                    "account_id": account,
                    "name": name,
                    "script": script,
                    "main_module": main_module,
                    "modules": dict(modules) if modules else None,
                    "compatibility_date": compatibility_date or DEFAULT_COMPATIBILITY_DATE,
                    "compatibility_flags": sorted(set(compatibility_flags or [])),
                    "bindings": wire,
                    "durable_objects": durable_objects,
                    "adopt": adopt,
                    "owner_tag": owner_tag,
                    "derived_name": derived_name,
                    "import_id": import_id,
                    "etag": None,
                    "created_on": None,
                    "modified_on": None,
                    "migration_tag": None,
                },
                opts,
            )
            self.bindings_state = self.__dict__["bindings"]
            self.hosted_workflows = hosted
            for workflow in hosted:
                workflow.hosting.register_hosted(self, self.name)
            for durable_object in objects.values():
                durable_object.hosting.register_hosted(self, self.name)
        except BaseException as exc:
            for value in would_host:
                value.hosting.abandon(exc)
            raise

        self.bindings = {
            key: value.cross_script_binding() if isinstance(value, (Workflow, DurableObject)) else value
            for key, value in (bindings or {}).items()
        }


def _host_durable_object(
    worker: str, value: DurableObject, objects: dict[str, DurableObject], host: Host
) -> None:
    """Claim `value` for `host` (the Worker `worker`); one stable id names one declaration."""
    if objects.setdefault(value.resource_name, value) is not value:
        raise ProgramError(
            f"Worker {worker!r}: two DurableObjects are named {value.resource_name!r}; a resource_name is "
            "one Durable Object's stable identifier: bind the same DurableObject under both binding names"
        )
    value.hosting.claim(host)
