"""Assemble and run a server: store + model (+ runtime) + app on a threaded werkzeug server, stopped by
SIGTERM. The runtime's sidecar starts before the server listens and stops after it has stopped."""

from __future__ import annotations

import logging
import selectors
import signal
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import werkzeug.serving
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from cloudflare_local.errors import ApiError
from cloudflare_local.faults import FaultInjector
from cloudflare_local.http import App
from cloudflare_local.models import Backend
from cloudflare_local.node import runtime_missing
from cloudflare_local.store import Store

if TYPE_CHECKING:
    from cloudflare_local.runtime.runtime import Runtime

log = logging.getLogger("cloudflare_local")
DB_NAME = "cloudflare-local.sqlite3"
RUNTIME_DIR = "runtime"  # under the data dir: workflow instances and Durable Objects, kept across restarts
IDLE_TIMEOUT = 60.0


class RuntimeUnavailable(RuntimeError):
    """--runtime was asked for and cannot start here; the message says what to run."""


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8787
    data_dir: Path | None = None
    token: str | None = None
    fault_rate: float = 0.0
    fault_seed: int | None = None
    runtime: bool = True


class _NoDrain:
    """Stands in for the ``selectors`` module inside ``werkzeug.serving``, whose only use there is the drain
    after each response: for 10 ms it reads whatever the client sent next and throws it away, which on a
    kept-alive connection is the next request. ``App`` reads every request body itself, so nothing is left
    to drain; this selector reports nothing readable."""

    EVENT_READ = selectors.EVENT_READ

    class DefaultSelector(selectors.DefaultSelector):
        def select(self, timeout: float | None = None) -> list[Any]:
            return []


class _Handler(WSGIRequestHandler):
    """werkzeug's handler with HTTP/1.1 keep-alive, and access log lines without headers (tokens live there).

    werkzeug's development server closes every connection (it sends ``Connection: close`` and drains the
    socket after each response) because a request body the application left unread would be taken for the
    next request. Cloudflare keeps connections alive, and a client that reuses them must be measurable
    against this stand-in, so ``App`` reads every request body to its end before answering, the drain is
    off (:class:`_NoDrain`) and this handler drops werkzeug's ``Connection: close``. A client that asks for
    ``close``, or speaks HTTP/1.0, still gets it (``http.server`` decides that from the request). An idle
    connection is closed after ``timeout`` seconds. tests/cloudflare_local/test_server.py pins all three.
    """

    timeout = IDLE_TIMEOUT
    # werkzeug writes the status line, the headers and the body in separate sends; on a kept-alive
    # connection Nagle's algorithm then holds the last one until the client's delayed ACK (about 40 ms a
    # request, measured). Cloudflare answers at once, and so must this.
    disable_nagle_algorithm = True

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "connection" and value.lower() == "close" and not self.close_connection:
            return
        super().send_header(keyword, value)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info("%s %s", self.requestline, code)


def start_runtime(data_dir: Path, store: Store) -> tuple[Backend, Runtime]:
    """The runtime, started with what the store holds (raises RuntimeUnavailable, saying what to run)."""
    missing = runtime_missing()
    if missing is not None:
        raise RuntimeUnavailable(missing)
    from cloudflare_local.runtime.runtime import Runtime
    from cloudflare_local.runtime.sidecar import SidecarError

    runtime = Runtime(data_dir / RUNTIME_DIR)
    backend = Backend(store, runtime)
    try:
        runtime.start(backend)
    except (SidecarError, ApiError) as exc:
        runtime.stop()
        raise RuntimeUnavailable(f"the runtime did not start: {exc}; see the log above") from exc
    return backend, runtime


def build(config: ServerConfig) -> tuple[App, Store]:
    data_dir = Path(config.data_dir or tempfile.mkdtemp(prefix="cloudflare-local-"))
    store = Store(data_dir / DB_NAME)
    faults = FaultInjector()
    if config.fault_rate:
        faults.configure({"rate": config.fault_rate, "seed": config.fault_seed})
    runtime = None
    if config.runtime:
        try:
            backend, runtime = start_runtime(data_dir, store)
        except RuntimeUnavailable:
            store.close()
            raise
    else:
        backend = Backend(store)
    return App(backend, token=config.token, faults=faults, runtime=runtime), store


def serve(config: ServerConfig) -> None:
    """Serve until SIGTERM/SIGINT; the runtime stops and the store closes cleanly, so a restart finds
    everything."""
    app, store = build(config)
    werkzeug.serving.selectors = _NoDrain  # type: ignore[assignment]  # this process serves; see _NoDrain
    try:
        server: BaseWSGIServer = make_server(
            config.host, config.port, app, threaded=True, request_handler=_Handler
        )
    except OSError:
        if app.runtime is not None:
            app.runtime.stop()
        raise

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever() to return, so it must run off the main thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    auth = "token required" if config.token else "no auth"
    log.warning(
        "cloudflare-local listening on http://%s:%d/client/v4 (%s, %s, data in %s)",
        config.host,
        server.server_port,
        auth,
        "runtime on: Workers at /__workers/<script>/" if app.runtime else "no runtime",
        store.path.parent,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if app.runtime is not None:
            app.runtime.stop()
        store.close()
        log.warning("cloudflare-local stopped")
