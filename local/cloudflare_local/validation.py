"""Cloudflare's naming rules and value syntaxes, raised as the API's errors.

Workflow names, instance ids and event types follow the path-parameter schemas of the Workflows API
(cloudflare-workflows-openapi.json: pattern `^[a-zA-Z0-9_][a-zA-Z0-9-_]*$`, at most 64, 271 and 100
characters); a script name must also be a workers.dev DNS label. Cron expressions and retention values
follow the provider's `workflow_settings`, which holds Cloudflare's grammar for both (one home); here they
are checked as sent, without the provider's canonical spelling.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_cloudflare_workflows_provider.workflow_settings import (
    MAX_SCHEDULES,
    RETENTION_KEYS,
    cron_problem,
    duration_ms,
)

from cloudflare_local.errors import ApiError, invalid_body, malformed_param

NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9-_]*$")
SCRIPT_NAME_PATTERN = re.compile(r"^[a-z0-9_][a-z0-9-_]*$")
CLASS_NAME_PATTERN = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
ACCOUNT_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
SCRIPT_NAME_MAX = 63
WORKFLOW_NAME_MAX = 64
INSTANCE_ID_MAX = 100
INSTANCE_ID_URL_MAX = 271
EVENT_TYPE_MAX = 100


def check_account_id(value: str) -> None:
    if not ACCOUNT_ID_PATTERN.match(value):
        raise ApiError(
            7003, "Could not route to the account, perhaps your object identifier is invalid?", 400
        )


def check_script_name(value: str) -> None:
    """Lower-case, digits, `-` and `_`, at most 63 characters (a workers.dev DNS label)."""
    if not value or len(value) > SCRIPT_NAME_MAX or not SCRIPT_NAME_PATTERN.match(value):
        raise malformed_param(
            "script_name", value, f"1-{SCRIPT_NAME_MAX} chars matching {SCRIPT_NAME_PATTERN.pattern}"
        )


def check_workflow_name(value: str) -> None:
    if not value or len(value) > WORKFLOW_NAME_MAX or not NAME_PATTERN.match(value):
        raise malformed_param(
            "workflow_name", value, f"1-{WORKFLOW_NAME_MAX} chars matching {NAME_PATTERN.pattern}"
        )


def check_instance_id(value: str, *, in_body: bool = False) -> None:
    """User-supplied ids: 1-100 chars, the name pattern (the spec cannot enforce the length itself).

    In a URL up to 271 chars are accepted: ids that Cloudflare's cron triggers create are longer.
    """
    limit = INSTANCE_ID_MAX if in_body else INSTANCE_ID_URL_MAX
    if not value or len(value) > limit or not NAME_PATTERN.match(value):
        rule = f"1-{limit} chars matching {NAME_PATTERN.pattern}"
        if in_body:
            raise invalid_body(f"Provided Workflow ID is not valid: {value!r} ({rule})")
        raise malformed_param("instance_id", value, rule)


def check_event_type(value: str) -> None:
    if not value or len(value) > EVENT_TYPE_MAX or not NAME_PATTERN.match(value):
        raise malformed_param(
            "event_type", value, f"1-{EVENT_TYPE_MAX} chars matching {NAME_PATTERN.pattern}"
        )


def check_class_name(value: object, where: str) -> str:
    """A JavaScript class name (what a Workflow's `class_name` must be), 1-255 chars."""
    if not isinstance(value, str) or not value or len(value) > 255 or not CLASS_NAME_PATTERN.match(value):
        raise invalid_body(
            f"{where}: class_name must be a JavaScript class name (1-255 chars), got {value!r}"
        )
    return value


def check_schedules(value: object) -> list[dict[str, str]]:
    """A PUT's `schedules`: at most 200 `{cron}` objects, each cron 1-256 characters in Cloudflare's cron
    syntax, exactly as sent (the API does not re-space or re-case them). Stored as sent."""
    if not isinstance(value, list) or len(value) > MAX_SCHEDULES:
        raise invalid_body(f"schedules must be an array of at most {MAX_SCHEDULES} {{cron}} objects")
    for item in value:
        cron = item.get("cron") if isinstance(item, dict) else None
        if not isinstance(cron, str):
            raise invalid_body('each schedule must be an object with a cron string: {"cron": "*/5 * * * *"}')
        problem = cron_problem(cron)
        if problem:
            raise invalid_body(f"schedule {cron!r} is not a valid cron expression: {problem}")
    return [{"cron": item["cron"]} for item in value]


def retention_ms(value: object) -> int:
    """A retention value (milliseconds, or a string like "5 minutes") in milliseconds."""
    try:
        return duration_ms(value)
    except ValueError as bad:
        raise invalid_body(f"retention {bad}") from None


def check_retention(value: object) -> dict[str, Any]:
    """A `default_retention` object: `error_retention` and/or `success_retention`, returned in
    milliseconds, as Cloudflare returns them; `{}` has neither."""
    if not isinstance(value, dict) or set(value) - set(RETENTION_KEYS):
        raise invalid_body("default_retention is an object of error_retention and/or success_retention")
    return {key: retention_ms(value[key]) for key in sorted(value)}
