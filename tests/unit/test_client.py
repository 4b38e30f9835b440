"""The Cloudflare client against httpx.MockTransport: error tree, retries, Retry-After, no token in errors."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from pulumi_cloudflare_workflows_provider.cloudflare import errors
from pulumi_cloudflare_workflows_provider.cloudflare.client import CloudflareClient, RetryPolicy
from pulumi_cloudflare_workflows_provider.config import DEFAULT_API_BASE, resolve_settings

TOKEN = "tok-SUPER-SECRET-1234567890"
BASE = "https://api.example.test/client/v4"


def envelope_error(code: int, message: str) -> dict[str, object]:
    return {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}


def envelope_ok(result: object) -> dict[str, object]:
    return {"success": True, "errors": [], "messages": [], "result": result}


class Cfg:
    """Stack config as `resolve_settings` reads it (`get(key)`), from a dict."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, key: str) -> str | None:
        return self.values.get(key)


def client_for(
    handler: Callable[[httpx.Request], httpx.Response], **kw: object
) -> tuple[CloudflareClient, list[float]]:
    sleeps: list[float] = []
    client = CloudflareClient(
        BASE,
        TOKEN,
        http=httpx.Client(transport=httpx.MockTransport(handler)),
        sleep=sleeps.append,
        seed=1,
        **kw,  # type: ignore[arg-type,unused-ignore]
    )
    return client, sleeps


def test_success_returns_result_and_sends_bearer_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=envelope_ok({"id": "x"}))

    client, _ = client_for(handler)
    assert client.get_workflow("acct", "orders") == {"id": "x"}
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert seen[0].url.path == "/client/v4/accounts/acct/workflows/orders"


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (404, 10200, errors.NotFoundError),
        (404, 10007, errors.NotFoundError),
        (401, 10000, errors.AuthenticationError),
        (403, 10000, errors.AuthenticationError),
        (409, 10142, errors.ConflictError),
        (400, 10021, errors.ValidationError),
        (400, 10001, errors.ValidationError),  # "unsupported content type" at 400 is permanent
    ],
)
def test_errors_map_to_types_and_carry_code_message_path_hint(
    status: int, code: int, kind: type[errors.CloudflareError]
) -> None:
    client, sleeps = client_for(lambda r: httpx.Response(status, json=envelope_error(code, "it broke")))
    with pytest.raises(kind) as info:
        client.get_workflow("acct", "orders")
    err = info.value
    assert (err.status, err.code, err.message) == (status, code, "it broke")
    first, *rest = str(err).splitlines()
    # The first line: what failed, Cloudflare's message, what to do; then code, status and the full URL.
    assert first == f"reading workflow 'orders' failed: it broke; {err.hint.rstrip('.')}.", first
    assert rest[-1] == (
        f"Cloudflare API: code {code}, HTTP {status} for GET https://api.example.test/client/v4/accounts/acct/workflows/orders"
    )
    assert sleeps == []  # not retryable


def test_retries_429_honouring_retry_after_then_succeeds() -> None:
    answers = iter(
        [
            httpx.Response(429, json=envelope_error(10429, "slow down"), headers={"Retry-After": "2"}),
            httpx.Response(503, text="<html>unavailable</html>"),
            httpx.Response(500, json=envelope_error(10001, "workflows.api.error.internal_server")),
            httpx.Response(200, json=envelope_ok({"ok": 1})),
        ]
    )
    client, sleeps = client_for(lambda r: next(answers))
    assert client.put_workflow("acct", "orders", {"class_name": "A", "script_name": "s"}) == {"ok": 1}
    assert len(sleeps) == 3
    assert sleeps[0] == 2.0  # Retry-After
    assert all(0 < s <= client.retry.max_delay for s in sleeps[1:])


def test_transport_errors_are_retried_and_give_up_after_max_attempts() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("connection refused", request=request)

    client, sleeps = client_for(handler, retry=RetryPolicy(max_attempts=4, base_delay=0.1, max_delay=1.0))
    with pytest.raises(errors.TransportError) as info:
        client.get_workflow("acct", "orders")
    assert calls == 4 and len(sleeps) == 3
    assert isinstance(info.value, errors.Retryable)
    assert "gave up after 4 attempts" in str(info.value)


def test_backoff_grows_and_is_capped() -> None:
    import random

    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    rng = random.Random(0)
    delays = [policy.delay(n, None, rng) for n in range(1, 9)]
    assert delays[0] <= 0.5 and max(delays) <= 4.0
    assert policy.delay(1, 1000.0, rng) == policy.max_retry_after


def test_the_token_never_appears_in_errors_or_reprs() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # A hostile server echoing the Authorization header back in its message.
        return httpx.Response(
            403, json=envelope_error(10000, f"bad token {request.headers['Authorization']}")
        )

    client, _ = client_for(handler)
    with pytest.raises(errors.AuthenticationError) as info:
        client.get_script_settings("acct", "s")
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value)
    assert TOKEN not in repr(client)
    settings = resolve_settings(None, {"CLOUDFLARE_API_TOKEN": TOKEN})
    assert TOKEN not in repr(settings) and TOKEN not in str(settings)
    with pytest.raises(TypeError):
        json.dumps(client.__getstate__())


def test_missing_token_is_a_configuration_error_with_a_hint() -> None:
    with pytest.raises(errors.ConfigurationError) as info:
        CloudflareClient(BASE, None)
    assert "cloudflare:apiToken" in str(info.value) and "CLOUDFLARE_API_TOKEN" in str(info.value)


def test_settings_resolution_order(capsys: pytest.CaptureFixture[str]) -> None:
    env = {"CLOUDFLARE_API_TOKEN": "env-token", "CLOUDFLARE_API_BASE_URL": "http://env/client/v4/"}
    assert resolve_settings(Cfg({}), env).token == "env-token"
    assert resolve_settings(Cfg({}), env).base_url == "http://env/client/v4"
    configured = resolve_settings(
        Cfg({"cloudflare:apiToken": "cfg", "cloudflare:baseUrl": "http://cfg"}), env
    )
    assert (configured.token, configured.base_url) == ("cfg", "http://cfg")
    assert resolve_settings(None, {}).base_url == DEFAULT_API_BASE
    assert resolve_settings(None, {}).token is None

    # The first release's key still works, says how to rename it, and loses to the new one.
    legacy = resolve_settings(Cfg({"cloudflare:apiBaseUrl": "http://old"}), {})
    assert legacy.base_url == "http://old"
    warned = capsys.readouterr().err
    assert (
        "cloudflare:apiBaseUrl is deprecated" in warned
        and "pulumi config set cloudflare:baseUrl http://old" in warned
    )
    both = resolve_settings(
        Cfg({"cloudflare:apiBaseUrl": "http://old", "cloudflare:baseUrl": "http://new"}), {}
    )
    assert both.base_url == "http://new"


def test_multipart_upload_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=envelope_ok({"etag": "e"}))

    client, _ = client_for(handler)
    client.upload_script(
        "acct", "host", {"main_module": "worker.mjs", "bindings": []}, {"worker.mjs": "export {}"}
    )
    body = seen[0].read().decode()
    assert seen[0].method == "PUT"
    assert seen[0].headers["content-type"].startswith("multipart/form-data; boundary=")
    assert 'name="metadata"' in body and '"main_module": "worker.mjs"' in body
    assert 'name="worker.mjs"; filename="worker.mjs"' in body
    assert "Content-Type: application/javascript+module" in body


@pytest.mark.parametrize("code", [7000, None])
def test_a_404_without_a_not_found_code_is_no_proof_of_absence(code: int | None) -> None:
    # A wrong base URL (no /client/v4) gets cloudflare-local's 7000 "No route", a proxy a bare 404: neither
    # may make read/delete drop a resource from state as "already gone".
    body = envelope_error(code, "No route for that URI") if code else {"detail": "not found"}
    client, sleeps = client_for(lambda r: httpx.Response(404, json=body))
    with pytest.raises(errors.CloudflareAPIError) as info:
        client.get_workflow("acct", "orders")
    assert not isinstance(info.value, errors.NotFoundError)
    assert "base URL" in str(info.value)
    assert sleeps == []


def test_every_retry_is_reported_with_its_reason_and_wait() -> None:
    answers = iter(
        [
            httpx.Response(503, json=envelope_error(10001, "busy")),
            httpx.Response(200, json={"success": True, "result": {"id": "x"}}),
        ]
    )
    reports: list[str] = []
    client, sleeps = client_for(lambda r: next(answers), report=reports.append)
    assert client.get_workflow("acct", "orders") == {"id": "x"}
    assert len(sleeps) == 1
    assert reports == [
        "reading workflow 'orders': Cloudflare server error (HTTP 503, code 10001); "
        f"retrying in {sleeps[0]:.1f} s (attempt 2 of 6)"
    ]


def test_an_unresolvable_host_fails_at_once_naming_the_base_url() -> None:
    import socket

    def no_such_host(request: httpx.Request) -> httpx.Response:
        try:
            raise socket.gaierror(-2, "Name or service not known")
        except socket.gaierror as cause:
            raise httpx.ConnectError("[Errno -2] Name or service not known", request=request) from cause

    reports: list[str] = []
    client, sleeps = client_for(no_such_host, report=reports.append)
    with pytest.raises(errors.ConfigurationError) as info:
        client.get_workflow("acct", "orders")
    assert sleeps == [] and reports == [], "a host that does not resolve is not retried"
    first = str(info.value).splitlines()[0]
    assert first.startswith(
        f"reading workflow 'orders' failed: could not reach the Cloudflare API at {BASE}"
    ), first
    assert "host name does not resolve" in first and "cloudflare:baseUrl" in first


def test_a_refused_connection_is_retried_then_names_the_base_url() -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}/client/v4"
    reports: list[str] = []
    sleeps: list[float] = []
    client = CloudflareClient(
        base, TOKEN, retry=RetryPolicy(max_attempts=3), sleep=sleeps.append, report=reports.append, seed=1
    )
    with pytest.raises(errors.TransportError) as info:
        client.get_workflow("acct", "orders")
    assert len(sleeps) == 2 and len(reports) == 2
    assert all("no answer (connection refused, reset or timed out)" in r for r in reports)
    text = str(info.value)
    assert f"could not reach the Cloudflare API at {base}" in text and "(gave up after 3 attempts)" in text
    assert f"GET {base}/accounts/acct/workflows/orders" in text


def test_timeout_and_retry_budget_come_from_config() -> None:
    settings = resolve_settings(
        Cfg({"cloudflare-workflows:requestTimeout": "5", "cloudflare-workflows:maxAttempts": "2"}), {}
    )
    assert (settings.timeout, settings.max_attempts) == (5.0, 2)
    assert (resolve_settings(None, {}).timeout, resolve_settings(None, {}).max_attempts) == (60.0, 6)
    with pytest.raises(ValueError, match="cloudflare-workflows:maxAttempts is '0': set it to at least 1"):
        resolve_settings(Cfg({"cloudflare-workflows:maxAttempts": "0"}), {})
