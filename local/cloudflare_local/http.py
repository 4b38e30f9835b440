"""The HTTP layer: routing, Cloudflare's envelope, auth, the request log and fault injection.

werkzeug rather than http.server: its routing map gives typed path rules with specificity (static
segments like `/instances/batch` win over `<instance_id>`), `Request` parses queries and bodies, and
`make_server(threaded=True)` serves HTTP/1.1 with a thread per connection, kept alive (server.py). The model
below is shared by all threads and serialises its own changes.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from cloudflare_local import api_workers, api_workflows, errors
from cloudflare_local.api import Call, Handler, Reply
from cloudflare_local.errors import ApiError
from cloudflare_local.faults import Fault, FaultInjector, RateLimitStorms
from cloudflare_local.models import Backend
from cloudflare_local.runtime import workers
from cloudflare_local.validation import check_account_id

if TYPE_CHECKING:
    from cloudflare_local.runtime.runtime import Runtime

log = logging.getLogger(__name__)

API_PREFIX = "/client/v4"
REQUEST_LOG_LIMIT = 100_000
EDGE_502 = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    b"<hr><center>cloudflare</center></body></html>"
)

WSGIEnviron = dict[str, Any]


def envelope(
    result: Any, result_info: dict[str, Any] | None = None, *, omit_result: bool = False
) -> dict[str, Any]:
    body: dict[str, Any] = {"success": True, "errors": [], "messages": []}
    if not omit_result:
        body["result"] = result
    if result_info is not None:
        body["result_info"] = result_info
    return body


def error_envelope(code: int, message: str) -> dict[str, Any]:
    """Cloudflare's failure shape; `messages` stays empty (it is objects on success, strings on errors)."""
    return {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json", headers=headers)


def api_error(exc: ApiError) -> Response:
    return json_response(error_envelope(exc.code, exc.message), exc.status)


class RequestLog:
    """The API requests received, in order (`GET /__local/requests`); never headers, so never tokens.

    Each entry also says when the request arrived (`started`, Unix seconds), how long it took (`seconds`) and
    which client connection carried it (`connection`, the client's port): what the benchmarks need to count
    calls in flight and connections opened."""

    def __init__(self) -> None:
        self._items: deque[dict[str, Any]] = deque(maxlen=REQUEST_LOG_LIMIT)
        self._lock = threading.Lock()

    def add(
        self,
        method: str,
        path: str,
        query: str,
        status: int,
        fault: str | None,
        *,
        started: float,
        connection: str,
    ) -> None:
        item = {
            "method": method,
            "path": path,
            "query": query,
            "status": status,
            "fault": fault,
            "started": round(started, 6),
            "seconds": round(time.time() - started, 6),
            "connection": connection,
        }
        with self._lock:
            self._items.append(item)

    def items(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class App:
    """The WSGI application: `/client/v4/...` (the API), `/__workers/...` (deployed scripts' fetch handlers,
    with the runtime) and `/__local/...` (test hooks)."""

    def __init__(
        self,
        backend: Backend,
        token: str | None = None,
        faults: FaultInjector | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        self.backend = backend
        self.runtime = runtime
        self.token = token
        self.faults = faults or FaultInjector()
        self.storms = RateLimitStorms()
        self.requests = RequestLog()
        self.handlers: dict[str, Handler] = {}
        rules = []
        for index, (path, methods, handler) in enumerate(api_workers.routes() + api_workflows.routes()):
            endpoint = f"{index}:{handler.__name__}"
            self.handlers[endpoint] = handler
            rules.append(Rule(path, methods=list(methods), endpoint=endpoint))
        self.url_map = Map(rules, strict_slashes=False, merge_slashes=False)

    # -- WSGI --------------------------------------------------------------------------------------
    def __call__(self, environ: WSGIEnviron, start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        # Read the body to its end whatever the route does with it: the connection stays open for the next
        # request (server.py), which must not start inside this one's unread body.
        request.get_data()
        path = request.path
        if path.startswith("/__local/"):
            response = self.local(request)
        elif path.startswith(workers.PREFIX):
            response = self.worker(request)
        elif path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            response = self.api(request, environ)
        else:
            response = json_response(error_envelope(errors.NO_ROUTE, f"No route for that URI: {path}"), 404)
        result: Iterable[bytes] = response(environ, start_response)
        return result

    # -- the API -------------------------------------------------------------------------------------
    def api(self, request: Request, environ: WSGIEnviron) -> Response:
        started = time.time()
        path = request.path[len(API_PREFIX) :].rstrip("/") or "/"
        query = request.query_string.decode("latin-1")
        connection = str(environ.get("REMOTE_PORT", ""))

        def logged(status: int, fault: str | None) -> None:
            self.requests.add(
                request.method, request.path, query, status, fault, started=started, connection=connection
            )

        wait = self.storms.retry_after(started)
        if wait is not None:
            logged(429, "storm")
            return self._rate_limited(wait)
        fault = self.faults.draw()
        if fault is not None and fault.kind == "drop":
            logged(0, "drop")
            self._drop(environ)
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.delay)
        elif fault is not None:
            logged(fault.status, fault.kind)
            return self._fault_response(fault)
        response = self._dispatch(request, path)
        logged(response.status_code, fault.kind if fault else None)
        return response

    def _dispatch(self, request: Request, path: str) -> Response:
        try:
            denied = self._check_auth(request)
            if denied is not None:
                return denied
            adapter = self.url_map.bind("localhost", path_info=path, url_scheme="http")
            try:
                endpoint, params = adapter.match(method=request.method)
            except NotFound:
                raise ApiError(errors.NO_ROUTE, f"No route for that URI: {request.path}", 404) from None
            except MethodNotAllowed:
                raise ApiError(
                    errors.METHOD_NOT_ALLOWED, f"Method {request.method} not allowed for {request.path}", 405
                ) from None
            args = {str(k): str(v) for k, v in params.items()}
            account_id = args.pop("account_id")
            check_account_id(account_id)
            call = Call(request, self.backend, self.backend.account(account_id), args)
            reply: Reply = self.handlers[str(endpoint)](call, **args)
        except ApiError as exc:
            return api_error(exc)
        except Exception:
            log.exception("internal error on %s %s", request.method, request.path)
            return json_response(error_envelope(errors.INTERNAL_ERROR, "Internal server error"), 500)
        if reply.raw is not None:
            return reply.raw
        return json_response(
            envelope(reply.result, reply.result_info, omit_result=reply.omit_result), reply.status
        )

    def _check_auth(self, request: Request) -> Response | None:
        """Bearer auth when a token is set: missing or malformed is 401, a wrong token 403 (both 10000)."""
        if not self.token:
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            body = error_envelope(errors.AUTHENTICATION_ERROR, "Authentication error")
            return json_response(body, 401, {"WWW-Authenticate": 'Bearer realm="cloudflare-local"'})
        if value.strip() != self.token:
            return json_response(error_envelope(errors.AUTHENTICATION_ERROR, "Authentication error"), 403)
        return None

    @staticmethod
    def _rate_limited(retry_after: int) -> Response:
        body = error_envelope(errors.RATE_LIMITED, "Please wait and consider throttling your request speed")
        return json_response(body, 429, {"Retry-After": str(retry_after)})

    @classmethod
    def _fault_response(cls, fault: Fault) -> Response:
        if fault.status == 429:
            return cls._rate_limited(fault.retry_after)
        if fault.status == 502:
            return Response(EDGE_502, status=502, content_type="text/html")
        message = "Internal server error" if fault.status == 500 else "Service temporarily unavailable"
        headers = {"Retry-After": str(fault.retry_after)} if fault.status == 503 else None
        return json_response(error_envelope(errors.INTERNAL_ERROR, message), fault.status, headers)

    @staticmethod
    def _drop(environ: WSGIEnviron) -> None:
        """Close the connection without a response (the handler treats ConnectionError as a drop)."""
        sock = environ.get("werkzeug.socket")
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        raise ConnectionAbortedError("fault injection: dropped connection")

    # -- deployed scripts ------------------------------------------------------------------------------
    def worker(self, request: Request) -> Response:
        """`/__workers/<script_name>/<path>`: the script's fetch handler, which sees `/<path>`."""
        if self.runtime is None:
            message = "Workers run only with the runtime: start cloudflare-local with --runtime"
            return json_response(error_envelope(errors.NO_ROUTE, message), 404)
        script, path = workers.split(request.path)
        query = request.query_string.decode("latin-1")
        url = request.host_url.rstrip("/") + path + (f"?{query}" if query else "")
        try:
            answer = self.runtime.fetch(
                script,
                request.headers.get(workers.ACCOUNT_HEADER),
                request.method,
                url,
                list(request.headers.items()),
                request.get_data(),
            )
        except workers.NoSuchWorker as exc:
            return json_response(error_envelope(errors.NO_ROUTE, str(exc)), 404)
        return Response(answer.body, status=answer.status, headers=answer.headers)

    # -- test hooks -----------------------------------------------------------------------------------
    def local(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == "/__local/health" and request.method == "GET":
            return json_response({"ok": True})
        if path == "/__local/runtime" and request.method == "GET":
            return json_response(self.runtime.info() if self.runtime else {"runtime": False})
        if path == "/__local/requests" and request.method == "GET":
            return json_response(self.requests.items())
        if path == "/__local/requests" and request.method == "DELETE":
            self.requests.clear()
            return json_response({"ok": True})
        if path == "/__local/faults" and request.method == "POST":
            try:
                body = json.loads(request.get_data() or b"{}")
                if not isinstance(body, dict):
                    raise ValueError("expected a JSON object")
                config = self.faults.configure(body)
            except ValueError as exc:
                return json_response({"ok": False, "error": str(exc)}, 400)
            return json_response({"ok": True, **config.to_json()})
        if path == "/__local/faults" and request.method == "GET":
            return json_response({"ok": True, **self.faults.config.to_json()})
        if path == "/__local/ratelimit" and request.method == "POST":
            try:
                body = json.loads(request.get_data() or b"{}")
                if not isinstance(body, dict):
                    raise ValueError("expected a JSON object")
                return json_response({"ok": True, **self.storms.configure(body)})
            except ValueError as exc:
                return json_response({"ok": False, "error": str(exc)}, 400)
        if path == "/__local/ratelimit" and request.method == "GET":
            return json_response({"ok": True, **self.storms.to_json()})
        return json_response({"ok": False, "error": f"no such hook: {request.method} {path}"}, 404)
