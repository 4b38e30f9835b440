"""Default physical names, derived from the project, the stack and the stable identifier (pure).

The SDK computes these at program time; the provider never needs them (it only validates names), but they
live here so the rule has one home and unit tests can pin it.

Rules:

- A Worker script name defaults to ``{project}-{stack}-{stable_id}``, lower-cased, normalised to
  ``^[a-z0-9_][a-z0-9-_]*$`` and at most 63 characters.
- A Workflow name defaults to ``{project}-{stack}-{stable_id}``, normalised to
  ``^[a-zA-Z0-9_][a-zA-Z0-9-_]*$`` and at most 64 characters. It never depends on the class name, so renaming
  a class never changes a workflow's identity.
- Any character outside the charset becomes ``-`` (runs collapse; leading/trailing ``-`` are dropped).
- When the normalised name is too long, a head is kept and ``-`` plus the first 8 hex characters of the sha256
  of the full, un-cut ``{project}-{stack}-{stable_id}`` string is appended: deterministic, and two long ids
  that share a head still get different names.
- Project and stack are part of every default, so two stacks of one project never collide on account-global
  names (workflow and script names are unique per account, not per stack).
- A Worker's ownership tag, ``pulumi-cfwf-owner-<16 hex>`` of ``{project}/{stack}/{stable_id}`` (no ``:``
  or ``,``, the separators of the script list filter ``?tags=tag:yes``), marks a script as this resource's,
  so a refused create can name an interrupted create of this stack as the likely cause.
"""

from __future__ import annotations

import hashlib
import re

from .rules import SCRIPT_NAME_MAX, WORKFLOW_NAME_MAX

HASH_LEN = 8

_SCRIPT_INVALID = re.compile(r"[^a-z0-9_-]+")
_WORKFLOW_INVALID = re.compile(r"[^a-zA-Z0-9_-]+")
_DASHES = re.compile(r"-{2,}")

__all__ = [
    "HASH_LEN",
    "default_script_name",
    "default_workflow_name",
    "owner_tag",
    "short_hash",
]

OWNER_TAG_PREFIX = "pulumi-cfwf-owner-"


def short_hash(text: str) -> str:
    """The first 8 hex characters of sha256(text)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_LEN]


def _fit(raw: str, normalised: str, limit: int) -> str:
    if not normalised:
        # Nothing usable survived normalisation (e.g. a stable id made only of symbols): the hash alone is a
        # valid name under both patterns.
        return short_hash(raw)
    if len(normalised) <= limit:
        return normalised
    head = normalised[: limit - HASH_LEN - 1].rstrip("-")
    return f"{head}-{short_hash(raw)}"


def _normalise(text: str, invalid: re.Pattern[str]) -> str:
    return _DASHES.sub("-", invalid.sub("-", text)).strip("-")


def default_script_name(project: str, stack: str, stable_id: str) -> str:
    """Default Worker script name for a stable id in a project's stack."""
    raw = f"{project}-{stack}-{stable_id}"
    return _fit(raw, _normalise(raw.lower(), _SCRIPT_INVALID), SCRIPT_NAME_MAX)


def default_workflow_name(project: str, stack: str, stable_id: str) -> str:
    """Default Workflow name for a stable id in a project's stack (independent of the class name)."""
    raw = f"{project}-{stack}-{stable_id}"
    return _fit(raw, _normalise(raw, _WORKFLOW_INVALID), WORKFLOW_NAME_MAX)


def owner_tag(project: str, stack: str, stable_id: str) -> str:
    """The script tag that marks a Worker script as owned by this stack's resource (see module docstring)."""
    digest = hashlib.sha256(f"{project}/{stack}/{stable_id}".encode()).hexdigest()[:16]
    return f"{OWNER_TAG_PREFIX}{digest}"
