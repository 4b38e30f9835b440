"""Check API traffic against Cloudflare's OpenAPI document, for tests.

The document is cloudflare-workflows-openapi.json next to this file: the Workers-script and Workflows
paths of Cloudflare's published schema (https://github.com/cloudflare/api-schemas), with each
operation's provenance in its `x-source`.

- Responses are validated strictly against the operation's declared response for that status.
- Requests the server accepted (2xx) are validated leniently: parameters and body, never the security
  rule (the Workflows operations require `api_email`, `api_key` and `api_token` together in one
  requirement, which no real request satisfies), against a copy patched where real clients and the spec
  disagree: the spec types an instance's `params` as a string, while the SDK and wrangler send any JSON
  value; and it requires a D1 binding's `database_id`, while its deprecated `id` is still sent instead.
  A request that got a 4xx is not validated: tests send invalid requests on purpose.
- Statuses an operation does not declare (401/403 auth, 429/5xx faults) and endpoints outside the data
  file (services, subdomain, secrets, schedules...) get the generic envelope check instead.
- A raw `application/javascript` body (schema `type: string`, request or response) is only checked to
  be UTF-8 text of a declared media type: openapi-core hands such bodies to the schema as bytes.
- `GET .../content/v2` declares the media type "string" (not a media type): its body is only checked
  to be non-empty.

Needs the `dev` extra (openapi-core); imported only by tests.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

SPEC_PATH = Path(__file__).with_name("cloudflare-workflows-openapi.json")
HOST_URL = "https://api.cloudflare.com"
API_PREFIX = "/client/v4"


RAW_TEXT_TYPES = ("application/javascript", "text/javascript")


class ContractError(AssertionError):
    """A request or response that breaks the API contract."""


def patched_spec(raw: dict[str, Any]) -> dict[str, Any]:
    """The spec with the documented request-side deviations of real clients applied (in memory)."""
    spec = copy.deepcopy(raw)
    instances = spec["paths"]["/accounts/{account_id}/workflows/{workflow_name}/instances"]["post"]
    batch = spec["paths"]["/accounts/{account_id}/workflows/{workflow_name}/instances/batch"]["post"]
    for schema in (
        instances["requestBody"]["content"]["application/json"]["schema"],
        batch["requestBody"]["content"]["application/json"]["schema"]["items"],
    ):
        schema["properties"]["params"] = {"description": "any JSON value, as clients send it"}
    d1 = spec["components"]["schemas"]["workers_binding_kind_d1"]
    d1["required"] = ["name", "type"]
    return spec


@cache
def _openapi() -> Any:
    from openapi_core import OpenAPI

    return OpenAPI.from_dict(patched_spec(json.loads(SPEC_PATH.read_text())))


def _operation(method: str, path: str) -> Any | None:
    """The spec's operation for a request path, or None when the data file does not have it."""
    from openapi_core.templating.paths.exceptions import PathError
    from openapi_core.templating.paths.finders import APICallPathFinder

    api = _openapi()
    try:
        found = APICallPathFinder(api.spec).find(method.lower(), HOST_URL + path)
    except PathError:
        return None
    return found.operation


def _declares(operation: Any, status: int) -> bool:
    codes = set((operation / "responses").keys())
    return str(status) in codes or f"{str(status)[0]}XX" in codes or "default" in codes


def check_envelope(response: httpx.Response) -> None:
    """Cloudflare's envelope, for answers the spec does not describe."""
    content_type = response.headers.get("content-type", "")
    if response.status_code == 502 and content_type.startswith("text/html"):
        return  # Cloudflare's edge answers 502 with an HTML page
    if not content_type.startswith("application/json"):
        raise ContractError(f"expected JSON, got {content_type!r}: {response.text[:200]}")
    body = response.json()
    if not isinstance(body, dict) or not isinstance(body.get("success"), bool):
        raise ContractError(f"not an envelope: {body!r}")
    if not isinstance(body.get("errors"), list) or not isinstance(body.get("messages"), list):
        raise ContractError(f"envelope without errors/messages lists: {body!r}")
    if "result" not in body:
        raise ContractError(f"envelope without result: {body!r}")
    if body["success"] != (response.status_code < 400):
        raise ContractError(f"success={body['success']} with HTTP {response.status_code}")
    if not body["success"]:
        if body["result"] is not None or not body["errors"]:
            raise ContractError(f"a failure needs errors and result null: {body!r}")
        for error in body["errors"]:
            # Codes below 1000 exist outside the Workers schema (971: rate limited).
            if (
                not isinstance(error.get("code"), int)
                or error["code"] < 1
                or not isinstance(error["message"], str)
            ):
                raise ContractError(f"bad error item {error!r}")


def _mock_request(request: httpx.Request) -> Any:
    from openapi_core.testing import MockRequest

    url = urlsplit(str(request.url))
    return MockRequest(
        HOST_URL,
        request.method.lower(),
        url.path.rstrip("/"),
        args=dict(parse_qsl(url.query, keep_blank_values=True)),
        headers=dict(request.headers),
        data=request.content,
        content_type=request.headers.get("content-type", "application/json"),
    )


def check(request: httpx.Request, response: httpx.Response) -> str:
    """Validate one exchange; returns how ("strict", "envelope", "raw") or raises ContractError."""
    from openapi_core.testing import MockResponse
    from openapi_core.validation.request.validators import (
        V30RequestBodyValidator,
        V30RequestParametersValidator,
    )

    path = urlsplit(str(request.url)).path.rstrip("/")  # the server normalises trailing slashes too
    if not path.startswith(API_PREFIX):
        return "skipped"
    operation = _operation(request.method, path)
    if operation is None or not _declares(operation, response.status_code):
        check_envelope(response)
        return "envelope"
    api = _openapi()
    mock = _mock_request(request)
    content_type = response.headers.get("content-type", "application/json").split(";")[0]
    if path.endswith("/content/v2") and response.status_code == 200:
        if not response.content:
            raise ContractError("content/v2 returned an empty body")
        return "raw"
    if content_type in RAW_TEXT_TYPES and response.status_code == 200:
        declared = set((operation / "responses" / "200" / "content").keys())
        if content_type not in declared:
            raise ContractError(f"{request.method} {path}: {content_type} is not among {sorted(declared)}")
        _check_text(response.content)  # openapi-core hands such bodies to the schema as bytes
        return "raw"
    try:
        api.validate_response(
            mock,
            MockResponse(
                response.content,
                status_code=response.status_code,
                headers=dict(response.headers),
                content_type=response.headers.get("content-type", content_type),
            ),
        )
    except Exception as exc:
        raise ContractError(f"{request.method} {path} -> {response.status_code}: {_explain(exc)}") from exc
    if 200 <= response.status_code < 300:
        validators: list[Any] = [V30RequestParametersValidator]
        if request.headers.get("content-type", "").split(";")[0] in RAW_TEXT_TYPES:
            _check_text(request.content)  # openapi-core leaves such bodies as bytes, never `string`
        else:
            validators.append(V30RequestBodyValidator)
        for validator in validators:
            try:
                validator(api.spec).validate(mock)
            except Exception as exc:
                raise ContractError(
                    f"accepted request breaks the spec: {request.method} {path}: {_explain(exc)}"
                ) from exc
    return "strict"


def _check_text(body: bytes) -> None:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContractError(f"a raw script body must be text: {exc}") from exc


def _explain(exc: BaseException) -> str:
    parts = [f"{type(exc).__name__}: {exc}"]
    for attr in ("schema_errors", "errors"):
        for inner in getattr(exc, attr, None) or []:
            parts.append(f"  - {getattr(inner, 'message', inner)}")
    cause = exc.__cause__
    while cause is not None:
        parts.append(f"  caused by {type(cause).__name__}: {cause}")
        for inner in getattr(cause, "schema_errors", None) or []:
            parts.append(f"    - {getattr(inner, 'message', inner)} at {list(getattr(inner, 'path', []))}")
        cause = cause.__cause__
    return "\n".join(parts)


class ContractClient(httpx.Client):
    """An httpx client whose every response is checked by `check` (and remembered in `.checked`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checked: list[tuple[str, str, int, str]] = []

    def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        request.read()  # multipart bodies are streams: keep the bytes for validation
        response = super().send(request, **kwargs)
        response.read()
        how = check(request, response)
        self.checked.append((request.method, request.url.path, response.status_code, how))
        return response
