"""Hosting: how a declaration (a ``Workflow``, a ``DurableObject``) is taken on by the Worker that hosts it.

A declaration is a plain object until something registers its resource. The handshake, all of it here:

1. **claim**: a ``Worker`` under construction, before it registers itself, calls :meth:`Hosting.claim` on
   every declaration it hosts (:func:`rules.is_hosted`: no ``script_name``, or this Worker's). A second host
   is refused, and so is a host that comes after the declaration already registered on its own.
2. **register**: once the Worker is registered, :meth:`Hosting.register_hosted` registers the declaration
   with ``script_name`` from the Worker's name output and a dependency on the Worker, so a fresh ``up``
   uploads the script before it registers the workflow, and ``destroy`` deletes them in reverse. (A
   ``DurableObject`` registers nothing: its "registration" is its host Worker itself.)
3. **abandon**: a Worker that fails before step 2 calls :meth:`Hosting.abandon`, so the declaration's
   outputs fail with the Worker's error instead of staying pending for ever.
4. **unhosted**: a declaration nobody claimed by the end of the program body registers on its own, with its
   literal ``script_name`` (or none; the provider's ``check`` then says it is not hosted).

``Hosting.resource`` is an ``Output`` of the registered resource (``None`` when a registration made none),
known once step 2 or 4 ran, so a Worker that binds the declaration cross-script depends on its registration
even when it is declared first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import pulumi
from pulumi.runtime.settings import get_root_resource
from pulumi.runtime.stack import Stack
from pulumi_cloudflare_workflows_provider import rules

from .failures import ProgramError

__all__ = ["Host", "Hosting", "Register"]

R = TypeVar("R", bound="pulumi.Resource | None")

Register = Callable[["pulumi.Input[str] | None", "str | None", "list[pulumi.Resource]"], R]
"""Registers the declaration's resource: ``(script_name, account_id, depends_on) -> resource`` (or
``None``, for a declaration that has no resource of its own)."""


@dataclass(frozen=True)
class Host:
    """The Worker hosting a declaration, as the declaration needs to know it (all plain values)."""

    resource_name: str
    script_name: str
    account_id: str | None


async def after_program_body() -> None:
    """Return once the program body has finished (the root Stack registered its outputs).

    Under the real runtime the body runs synchronously before the first await, so this returns at once; if the
    body pumps the event loop early (a synchronous invoke, or an async ``pulumi.run`` program), it waits.
    Under ``pulumi.runtime.set_mocks`` the Stack is finished up front and this returns on first run (after the
    test function's body).
    """
    root = get_root_resource()
    while isinstance(root, Stack) and not getattr(root, "_outputs_registered", True):
        await asyncio.sleep(0.01)


def _settled(
    registered: asyncio.Future[R],
    resources: asyncio.Future[set[pulumi.Resource]],
    known: asyncio.Future[bool],
) -> None:
    """Pass the registration's outcome on to the Output's other futures (failures reach the program through
    the outputs, so each failed future is marked retrieved: no "exception was never retrieved" warnings)."""
    if registered.cancelled():
        resources.cancel()
        known.cancel()
        return
    exc = registered.exception()
    if exc is None:
        resource = registered.result()
        resources.set_result(set() if resource is None else {resource})
        known.set_result(True)
        return
    for future in (resources, known):
        future.set_exception(exc)
        future.add_done_callback(lambda f: f.exception())


class Hosting(Generic[R]):
    """One declaration's path to its registered resource (see the module docstring for the handshake).

    :param kind: what the declaration is, for messages (``"Workflow"``).
    :param resource_name: the declaration's stable identifier.
    :param script_name: the script it names as its host, or ``None`` (hosted by the Worker that binds it).
    :param account_id: the account it names, or ``None`` (its host's).
    :param register: registers its resource (called exactly once, by the host or the unhosted fallback).
    :param unhosted_account: the account to register in when no Worker hosts it.
    """

    def __init__(
        self,
        kind: str,
        resource_name: str,
        script_name: str | None,
        account_id: str | None,
        register: Register[R],
        unhosted_account: Callable[[], str | None],
    ) -> None:
        self.kind = kind
        self.resource_name = resource_name
        self.script_name = script_name
        self.account_id = account_id
        self.host: Host | None = None
        self._register = register
        self._unhosted_account = unhosted_account
        loop = asyncio.get_event_loop()
        self._registered: asyncio.Future[R] = loop.create_future()
        # The Output is built from futures, not coroutines: a program that fails before the declaration
        # registers leaves nothing un-awaited behind.
        resources: asyncio.Future[set[pulumi.Resource]] = loop.create_future()
        known: asyncio.Future[bool] = loop.create_future()
        secret: asyncio.Future[bool] = loop.create_future()
        secret.set_result(False)
        self._registered.add_done_callback(lambda f: _settled(f, resources, known))
        self.resource: pulumi.Output[R] = pulumi.Output(resources, self._registered, known, secret)
        # Held so the task is not garbage-collected before it runs (asyncio keeps only weak references).
        self._fallback = asyncio.ensure_future(self._register_if_unhosted())

    def hosted_by(self, script_name: str) -> bool:
        """Whether a Worker with this script name hosts the declaration."""
        return rules.is_hosted(self.script_name, script_name)

    def claim(self, host: Host) -> None:
        """Reserve the declaration for `host` (before the host registers); raises ``ValueError`` when it
        already has another host, lives in another account, or already registered on its own."""
        if self.host == host:
            return
        if self.account_id and host.account_id and self.account_id != host.account_id:
            raise ProgramError(
                f"{self.kind} {self.resource_name!r} is in account {self.account_id} but its host Worker "
                f"{host.resource_name!r} is in {host.account_id}; a {self.kind.lower()} lives in its "
                "script's account"
            )
        if self.host is not None:
            raise ProgramError(
                f"{self.kind} {self.resource_name!r} is already hosted by Worker "
                f"{self.host.resource_name!r}; it cannot also be hosted by {host.resource_name!r}. A "
                f"{self.kind.lower()} has one host: to call it from another Worker, bind host.bindings[...] "
                f"there (or give the {self.kind} a script_name naming its host)"
            )
        if self._registered.done():
            raise ProgramError(
                f"{self.kind} {self.resource_name!r} was already registered on its own before Worker "
                f"{host.resource_name!r} was constructed; construct Workers at the top level of the "
                "program, before anything that waits on outputs"
            )
        self.host = host

    def register_hosted(self, worker: pulumi.Resource, script_name: pulumi.Input[str]) -> None:
        """Register the declaration now that its claimed host `worker` (script `script_name`) registered."""
        if self.host is None:
            raise RuntimeError(f"{self.kind} {self.resource_name!r}: register_hosted before claim")
        self._settle(script_name, self.account_id or self.host.account_id, [worker])

    def abandon(self, exc: BaseException) -> None:
        """The host failed before registering the declaration: fail its outputs, never leave them pending."""
        if not self._registered.done():
            self._registered.set_exception(exc)

    async def _register_if_unhosted(self) -> None:
        await after_program_body()
        if self.host is not None or self._registered.done():
            return
        self._settle(self.script_name, self._unhosted_account(), [])

    def _settle(
        self, script_name: pulumi.Input[str] | None, account_id: str | None, depends_on: list[pulumi.Resource]
    ) -> None:
        try:
            resource = self._register(script_name, account_id, depends_on)
        except BaseException as exc:
            self.abandon(exc)
            raise
        self._registered.set_result(resource)
