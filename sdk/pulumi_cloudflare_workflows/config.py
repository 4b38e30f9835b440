"""Program-side configuration: the account id and the stable identifier used for default names.

The account id is resolved here, in the program, and sent as the ``account_id`` input of every resource, so
that moving a stack to another account shows as a replacement in the preview. Resolution order: the explicit
``account_id=`` argument, then stack config ``cloudflare:accountId``, then ``CLOUDFLARE_ACCOUNT_ID``.

The API token is never read here: only the provider process reads it (``configure()`` or the environment), so
it never enters inputs or state.
"""

from __future__ import annotations

import os

import pulumi

ACCOUNT_ID_KEY = "accountId"
ACCOUNT_ID_ENV = "CLOUDFLARE_ACCOUNT_ID"

__all__ = ["resolve_account_id", "stable_id"]


def resolve_account_id(explicit: str | None = None) -> str | None:
    """``explicit`` > ``cloudflare:accountId`` > ``CLOUDFLARE_ACCOUNT_ID`` (``None`` when none is set)."""
    if explicit:
        return explicit
    configured = pulumi.Config("cloudflare").get(ACCOUNT_ID_KEY)
    if configured:
        return configured
    return os.environ.get(ACCOUNT_ID_ENV) or None


def stable_id(resource_name: str, opts: pulumi.ResourceOptions | None) -> str:
    """The identifier default physical names derive from.

    It is the logical name, unless the resource was renamed with an alias: then it is the first aliased name
    (``pulumi.Alias(name="old")`` or an alias URN), so that renaming a logical name *with* an alias keeps the
    default script/workflow name and the rename is a no-op remotely.
    """
    for alias in (opts.aliases or []) if opts is not None else []:
        if isinstance(alias, pulumi.Alias) and isinstance(alias.name, str) and alias.name:
            return alias.name
        if isinstance(alias, str) and "::" in alias:
            return alias.rsplit("::", 1)[-1]
    return resource_name
