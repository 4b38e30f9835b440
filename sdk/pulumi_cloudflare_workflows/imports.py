"""``opts=ResourceOptions(import_="<account_id>/<name>")`` for Workers and Workflows.

The engine cannot import a Python dynamic resource itself: its import step calls the provider's Read with no
properties, so the dynamic-provider server cannot find which provider to load (``KeyError: '__provider'``,
pulumi/pulumi#16175; the same holds for ``pulumi import`` on the command line). So the SDK takes ``import_``
off the options and passes it as the resource's ``import_id`` input instead: ``create`` then reads the live
object and records it without changing it, and refuses (naming the keys) when it differs from the program,
which is what an import does. The preview shows the step as a create.
"""

from __future__ import annotations

import copy

import pulumi
from pulumi_cloudflare_workflows_provider import rules

from .failures import ProgramError

__all__ = ["take_import"]


def take_import(
    kind: str, resource_name: str, opts: pulumi.ResourceOptions | None, account: str | None, name: str
) -> tuple[pulumi.ResourceOptions | None, str | None, str | None]:
    """``(opts without import_, the import id or None, the account id)``; the import id must name this
    resource's account (when one is set) and its ``name``. Raises ``ValueError`` saying what to write."""
    if opts is None or not opts.import_:
        return opts, None, account
    import_id = str(opts.import_)
    imported_account, imported_name = rules.parse_import_id(import_id, kind)
    expected = f"{account or imported_account}/{name}"
    if imported_name != name or (account and imported_account != account):
        raise ProgramError(
            f"{kind} {resource_name!r}: import_={import_id!r} names another object than this resource "
            f"({expected}); give the resource that name (and account), or use import_={expected!r}"
        )
    stripped = copy.copy(opts)
    stripped.import_ = None
    return stripped, import_id, account or imported_account
