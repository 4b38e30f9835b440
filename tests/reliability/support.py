"""Helpers for the reliability suite: examples run by the real engine against a cloudflare-local of the test's
own, read back through the v4 API, the request log and `stack export`; and `CutProxy`, which kills the server
at an exact request.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from cloudflare_local.process import CloudflareLocalServer
from pulumi_offline import Stack

from tests.lifecycle.support import WORKER, WORKFLOW, Account, Project, copy_project

# Physical names the quickstart derives for stack `dev` (project `order-processing`).
QS_PROCESSOR = "order-processing-dev-order-processor"
QS_API = "order-processing-dev-order-api"
QS_WORKFLOW = "order-processing-dev-orders"

# Headers the proxy must not copy: hop-by-hop and framing ones, and those http.server writes itself.
_SKIP_HEADERS = {
    "host",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "content-encoding",
    "server",
    "date",
}


def new_project(name: str, tmp_path: Path, server: CloudflareLocalServer, account_id: str) -> Project:
    """`examples/<name>` (or `quickstart`) copied into tmp_path, on `account_id` of `server`."""
    return copy_project(name, tmp_path, Account(server, account_id))


def state_ids(stack: Stack) -> dict[str, str]:
    """Logical name -> id of every Cloudflare resource in the checkpoint (`stack export`)."""
    resources = stack.export()["deployment"].get("resources") or []
    return {
        r["urn"].rsplit("::", 1)[-1]: r.get("id", "") for r in resources if r["type"] in (WORKER, WORKFLOW)
    }


def owned(stack: Stack) -> tuple[set[str], set[str]]:
    """(script names, workflow names) the checkpoint records: what the account must hold, no more."""
    resources = stack.export()["deployment"].get("resources") or []
    return (
        {r["id"] for r in resources if r["type"] == WORKER},
        {r["id"] for r in resources if r["type"] == WORKFLOW},
    )


def assert_account(account: Account, scripts: set[str], workflows: set[str], when: str) -> None:
    """The account holds exactly these scripts and workflows: nothing missing, orphaned or duplicated."""
    held_scripts, held_workflows = account.scripts(), set(account.workflows())
    assert held_scripts == scripts, f"{when}: scripts {sorted(held_scripts)}, expected {sorted(scripts)}"
    assert held_workflows == workflows, (
        f"{when}: workflows {sorted(held_workflows)}, expected {sorted(workflows)}"
    )


def injected_faults(account: Account) -> Counter[str]:
    """Faults the server answered this account with (429, 5xx, dropped connections), by kind. `slow` is not
    counted: it delays a request, which then succeeds."""
    return Counter(r["fault"] for r in account.requests() if r.get("fault") and r["fault"] != "slow")


# Known findings, raised instead of a plain AssertionError so that an xfail names exactly its reason.


class SilentTakeover(AssertionError):
    """A create wrote to an object that exists and that another state owns, instead of refusing."""


class LostObject(AssertionError):
    """An `up` left the account without an object that its state says exists."""


class CutProxy:
    """A forwarding HTTP proxy between the provider and cloudflare-local that SIGKILLs the server at an exact
    request: deterministic where a thread polling the request log would race the provider.

    `cut_at(method, path_suffix, deliver_reply)`: when the first matching request has been answered by the
    server (so its change is committed), the server is killed either right after the reply reaches the
    provider (`deliver_reply=True`: the step completes) or instead of it (`False`: the change is made but the
    provider never learns it, as when the API or the network dies between commit and reply). One lock
    serialises forwarding, so no other request can reach the server between the trigger and the kill. After
    that, requests to the dead server end with the connection closed, which the provider sees as a transport
    error."""

    def __init__(self, upstream: CloudflareLocalServer) -> None:
        self.upstream = upstream
        self.tripped = threading.Event()
        self._rule: tuple[str, str, bool] | None = None
        self._on_cut: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self._client = httpx.Client(timeout=30.0)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="cut-proxy", daemon=True)

    @property
    def api_base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/client/v4"

    def cut_at(
        self, method: str, path_suffix: str, *, deliver_reply: bool, cut: Callable[[], None] | None = None
    ) -> None:
        """`cut` replaces killing the server (e.g. kill the engine instead: the API stays up)."""
        self._rule = (method, path_suffix, deliver_reply)
        self._on_cut = cut

    def __enter__(self) -> CutProxy:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)
        self._client.close()

    def _forward(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _SKIP_HEADERS}
        with self._lock:
            try:
                response = self._client.request(
                    handler.command, self.upstream.url + handler.path, headers=headers, content=body
                )
            except httpx.TransportError:
                handler.close_connection = True  # the server is gone: close without a reply
                return
            rule = self._rule
            trip = (
                rule is not None
                and not self.tripped.is_set()
                and handler.command == rule[0]
                and handler.path.split("?")[0].endswith(rule[1])
                and response.is_success
            )
            if trip and rule is not None and not rule[2]:
                self._cut()
                handler.close_connection = True  # committed, but the reply is lost
                return
            handler.send_response(response.status_code)
            for key, value in response.headers.items():
                if key.lower() not in _SKIP_HEADERS:
                    handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(response.content)))
            handler.end_headers()
            handler.wfile.write(response.content)
            handler.wfile.flush()
            if trip:
                self._cut()

    def _cut(self) -> None:
        if self._on_cut is not None:
            self._on_cut()
            self.tripped.set()
            return
        self.upstream.kill()
        self.tripped.set()
        # Drop pooled connections to the dead server, so requests after a restart start clean.
        self._client.close()
        self._client = httpx.Client(timeout=30.0)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                proxy._forward(self)

            do_PUT = do_POST = do_PATCH = do_DELETE = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
