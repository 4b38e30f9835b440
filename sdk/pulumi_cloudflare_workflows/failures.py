"""Failing fast while the program runs: the one shape of the ``ValueError`` a resource's constructor raises
for inputs that the provider's ``check`` would refuse anyway (``Kind 'name': prop: reason; ...``)."""

from __future__ import annotations

from pulumi_cloudflare_workflows_provider.rules import Failure

__all__ = ["raise_failures"]


def raise_failures(kind: str, resource_name: str, failures: list[Failure]) -> None:
    """Raise ``ValueError`` naming every failing property and its reason; return when there is none."""
    if failures:
        reasons = "; ".join(f"{prop}: {reason}" for prop, reason in failures)
        raise ValueError(f"{kind} {resource_name!r}: {reasons}")
