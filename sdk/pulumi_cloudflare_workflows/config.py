"""Program-side configuration: the account id and the stable identifier used for default names.

The account id is resolved here, in the program, and sent as the ``account_id`` input of every resource, so
that moving a stack to another account shows as a replacement in the preview. Resolution order: the explicit
``account_id=`` argument, then stack config ``cloudflare-workflows:accountId`` (this package's namespace:
pulumi-cloudflare rejects keys it does not know in ``cloudflare:``), then ``CLOUDFLARE_ACCOUNT_ID``. The first
key this package used, ``cloudflare:accountId``, still works with a deprecation warning.

The API token is never read here: only the provider process reads it (``configure()`` or the environment), so
it never enters inputs or state.
"""

from __future__ import annotations

import os

import pulumi
from pulumi_cloudflare_workflows_provider.config import ACCOUNT_ID_ENV, ACCOUNT_ID_KEY, LEGACY_ACCOUNT_ID_KEY

__all__ = ["resolve_account_id", "stable_id"]


def resolve_account_id(explicit: str | None = None) -> str | None:
    """``explicit`` > ``cloudflare-workflows:accountId`` > (deprecated) ``cloudflare:accountId`` >
    ``CLOUDFLARE_ACCOUNT_ID`` (``None`` when none is set)."""
    if explicit:
        return explicit
    configured = _config(ACCOUNT_ID_KEY)
    if configured:
        return configured
    legacy = _config(LEGACY_ACCOUNT_ID_KEY)
    if legacy:
        _warn_legacy_account_key(legacy)
        return legacy
    return os.environ.get(ACCOUNT_ID_ENV) or None


def _config(key: str) -> str | None:
    namespace, _, name = key.partition(":")
    return pulumi.Config(namespace).get(name)


_warned: list[str] = []


def _warn_legacy_account_key(value: str) -> None:
    if _warned:
        return
    _warned.append(value)
    old, new = LEGACY_ACCOUNT_ID_KEY, ACCOUNT_ID_KEY
    pulumi.log.warn(
        f"the config key {old} is deprecated and will be removed in the next release: pulumi-cloudflare "
        f"rejects it. Rename it: `pulumi config rm {old}` and `pulumi config set {new} {value}`"
    )


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
