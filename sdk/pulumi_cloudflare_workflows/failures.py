"""What the SDK raises while the program runs, and the one shape of its message.

Both are ``pulumi.RunError``\\ s, so ``pulumi preview``/``up`` print the message alone, not a Python
traceback through the SDK: the message names the resource, the property and the fix, which is all a user
needs. They are also ``ValueError``/``TypeError``, so code that catches those keeps working.
"""

from __future__ import annotations

import pulumi
from pulumi_cloudflare_workflows_provider.rules import Failure

__all__ = ["ProgramError", "ProgramTypeError", "raise_failures"]


class ProgramError(pulumi.RunError, ValueError):
    """A value the program gave cannot work (a name, a binding, a class, a file); the message says the fix."""


class ProgramTypeError(pulumi.RunError, TypeError):
    """The program gave a value of a type that cannot work here (e.g. an ``Output`` where a name must be a
    plain ``str``)."""


def raise_failures(kind: str, resource_name: str, failures: list[Failure]) -> None:
    """Raise ``ProgramError`` naming every failing property and its reason (``Kind 'name': prop: reason;
    ...``), for inputs the provider's ``check`` would refuse anyway; return when there is none."""
    if failures:
        reasons = "; ".join(f"{prop}: {reason}" for prop, reason in failures)
        raise ProgramError(f"{kind} {resource_name!r}: {reasons}")
