"""Model-level errors carrying Cloudflare's error code and HTTP status (rendered by the HTTP layer).

Where Cloudflare has a code for a condition, that code is used; codes 10250-10259 are ours, for
conditions no public source gives a code for. docs/cloudflare-local.md lists every code.
"""

from __future__ import annotations

# Cloudflare's codes. 10001-10021 are among the `x-cfLinkErrors` of the Workers script schemas in
# Cloudflare's OpenAPI document (https://github.com/cloudflare/api-schemas); wrangler itself tests for
# 10007 (Worker not found) and 10200 (workflow not found); 10061 (a binding to a class that is not a
# Durable Object class) and 10074 (a migration Cloudflare refuses) are the codes clients have reported
# (workers-sdk and Alchemy issues, cloudflare-api.md section 6); 7000-7003 and 10000 are the API gateway's
# routing and authentication codes, 971 its rate limit.
AUTHENTICATION_ERROR = 10000
UNSUPPORTED_CONTENT_TYPE = 10001
INTERNAL_ERROR = 10002
MISSING_URL_PARAM = 10003
MALFORMED_URL_PARAM = 10004
UNPARSEABLE_SCRIPT = 10006
SCRIPT_NOT_FOUND = 10007
SCRIPT_VALIDATION = 10021
INHERIT_BINDING_MISSING = 10057
DURABLE_OBJECT_CLASS_NOT_CONFIGURED = 10061
WORKER_VERSION_NOT_FOUND = 10071
MIGRATION_ERROR = 10074
SERVICE_BINDING_CONFLICT = 10142
WORKFLOW_NOT_FOUND = 10200
NO_ROUTE = 7000
METHOD_NOT_ALLOWED = 7001
RATE_LIMITED = 971

# Ours (no public source gives a code for these).
WORKFLOW_SCRIPT_NOT_FOUND = 10250
WORKFLOW_CLASS_NOT_EXPORTED = 10251
SCRIPT_HOSTS_WORKFLOWS = 10252
INSTANCE_NOT_FOUND = 10253
INSTANCE_ALREADY_EXISTS = 10254
INSTANCE_BAD_STATE = 10255
INVALID_BODY = 10256
WORKFLOW_VERSION_NOT_FOUND = 10257
# Cloudflare answers a stale Durable Object migration `old_tag` with HTTP 412 (the message contains "when
# expected tag is 'X'", which clients parse); no public source gives the envelope's code.
MIGRATION_TAG_MISMATCH = 10258


class ApiError(Exception):
    """A Cloudflare API error: `code` goes into `errors[0].code`, `status` is the HTTP status."""

    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def script_not_found(name: str) -> ApiError:
    return ApiError(SCRIPT_NOT_FOUND, f"This Worker does not exist on your account: {name}", 404)


def workflow_not_found(name: str) -> ApiError:
    return ApiError(WORKFLOW_NOT_FOUND, f"Workflow not found: {name}", 404)


def instance_not_found(workflow: str, instance_id: str) -> ApiError:
    return ApiError(INSTANCE_NOT_FOUND, f"Instance not found: {instance_id} (workflow {workflow})", 404)


def invalid_body(message: str) -> ApiError:
    return ApiError(INVALID_BODY, f"Invalid request body: {message}", 400)


def malformed_param(name: str, value: str, rule: str) -> ApiError:
    return ApiError(MALFORMED_URL_PARAM, f"Malformed URL parameter {name}={value!r}: {rule}", 400)
