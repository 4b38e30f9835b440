"""``Worker``: a Cloudflare Worker script (ES module), its bindings, and the Workflows it hosts."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi.dynamic
from pulumi_cloudflare_workflows_provider import naming, rules
from pulumi_cloudflare_workflows_provider.plan import DEFAULT_COMPATIBILITY_DATE, DEFAULT_MAIN_MODULE
from pulumi_cloudflare_workflows_provider.worker import WorkerProvider

from .bindings import BindingValue, to_cloudflare
from .claims import claim_name
from .config import resolve_account_id, stable_id
from .failures import raise_failures
from .hosting import Host
from .imports import take_import
from .workflow import Workflow

__all__ = ["DEFAULT_COMPATIBILITY_DATE", "Worker"]


class Worker(pulumi.dynamic.Resource, module="cloudflare", name="Worker"):
    """A Cloudflare Worker script, uploaded as one ES module, with its bindings.

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
    :param entrypoint: path to a ``.js``/``.mjs`` module, read when the program runs; its base name is the
        main module. The module is uploaded as is (no bundling): imports other than ``cloudflare:*`` must be
        inlined.
    :param compatibility_date: ``YYYY-MM-DD``; defaults to the fixed ``DEFAULT_COMPATIBILITY_DATE`` (never
        "today", which would change every day).
    :param compatibility_flags: e.g. ``["nodejs_compat"]`` (order does not matter).
    :param bindings: binding name -> ``Workflow``, another Worker's ``bindings[...]``, ``str`` (plain text),
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
        compatibility_date: str | None = None,
        compatibility_flags: list[str] | None = None,
        bindings: Mapping[str, BindingValue] | None = None,
        adopt: bool = False,
        account_id: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError("Worker name must be a plain str: it decides which Workflows this Worker hosts")
        identity = stable_id(resource_name, opts)
        owner_tag = naming.owner_tag(pulumi.get_project(), pulumi.get_stack(), identity)
        derived_name = name is None
        if name is None:
            name = naming.default_script_name(pulumi.get_project(), pulumi.get_stack(), identity)
        failures = rules.validate_script_name(name)
        if compatibility_date is not None:
            failures += rules.validate_compatibility_date(compatibility_date)
        raise_failures("Worker", resource_name, failures)
        if (script is None) == (entrypoint is None):
            raise ValueError(
                f"Worker {resource_name!r}: pass exactly one of script= (source) or entrypoint= (a file)"
            )
        main_module = DEFAULT_MAIN_MODULE
        if entrypoint is not None:
            path = Path(entrypoint)
            main_module = path.name
            script = path.read_text(encoding="utf-8")

        opts, import_id, account = take_import(
            "Worker script", resource_name, opts, resolve_account_id(account_id), name
        )
        claim_name("Worker script", account, name, resource_name)
        self.declared_name = name
        host = Host(resource_name, name, account)

        wire: dict[str, Any] = {}
        hosted: list[Workflow] = []
        try:
            for key, value in (bindings or {}).items():
                if not isinstance(value, Workflow):
                    wire[key] = to_cloudflare(key, value)
                elif value.hosting.hosted_by(name):
                    value.hosting.claim(host)
                    if value not in hosted:
                        hosted.append(value)
                    wire[key] = value.hosted_binding()
                elif value.declared_script_name == resource_name:
                    raise ValueError(
                        f"Worker {resource_name!r}: Workflow {value.resource_name!r} has "
                        f"script_name={resource_name!r}, this Worker's logical name, not its script name "
                        f"{name!r}. Use script_name={name!r}, or give the Worker name={resource_name!r}"
                    )
                else:
                    wire[key] = value.cross_script_binding().to_cloudflare()
            super().__init__(
                WorkerProvider(),
                resource_name,
                {
                    "account_id": account,
                    "name": name,
                    "script": script,
                    "main_module": main_module,
                    "compatibility_date": compatibility_date or DEFAULT_COMPATIBILITY_DATE,
                    "compatibility_flags": sorted(set(compatibility_flags or [])),
                    "bindings": wire,
                    "adopt": adopt,
                    "owner_tag": owner_tag,
                    "derived_name": derived_name,
                    "import_id": import_id,
                    "etag": None,
                    "created_on": None,
                    "modified_on": None,
                },
                opts,
            )
            self.bindings_state = self.__dict__["bindings"]
            self.hosted_workflows = hosted
            for workflow in hosted:
                workflow.hosting.register_hosted(self, self.name)
        except BaseException as exc:
            for workflow in hosted:
                workflow.hosting.abandon(exc)
            raise

        self.bindings = {
            key: value.cross_script_binding() if isinstance(value, Workflow) else value
            for key, value in (bindings or {}).items()
        }
