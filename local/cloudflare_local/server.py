"""Assemble and run a server: store + model + app on a threaded werkzeug server, stopped by SIGTERM."""

from __future__ import annotations

import logging
import signal
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from cloudflare_local.faults import FaultInjector
from cloudflare_local.http import App
from cloudflare_local.models import Backend
from cloudflare_local.store import Store

log = logging.getLogger("cloudflare_local")
DB_NAME = "cloudflare-local.sqlite3"


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8787
    data_dir: Path | None = None
    token: str | None = None
    fault_rate: float = 0.0
    fault_seed: int | None = None
    runtime: bool = False


class _Handler(WSGIRequestHandler):
    """Access log lines without the client address noise; never headers (tokens live there)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info("%s %s", self.requestline, code)


def build(config: ServerConfig) -> tuple[App, Store]:
    data_dir = config.data_dir or Path(tempfile.mkdtemp(prefix="cloudflare-local-"))
    store = Store(Path(data_dir) / DB_NAME)
    faults = FaultInjector()
    if config.fault_rate:
        faults.configure({"rate": config.fault_rate, "seed": config.fault_seed})
    return App(Backend(store), token=config.token, faults=faults), store


def serve(config: ServerConfig) -> None:
    """Serve until SIGTERM/SIGINT; the store is closed cleanly so a restart finds everything."""
    app, store = build(config)
    server: BaseWSGIServer = make_server(
        config.host, config.port, app, threaded=True, request_handler=_Handler
    )

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever() to return, so it must run off the main thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    auth = "token required" if config.token else "no auth"
    log.warning(
        "cloudflare-local listening on http://%s:%d/client/v4 (%s, data in %s)",
        config.host,
        server.server_port,
        auth,
        store.path.parent,
    )
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        store.close()
        log.warning("cloudflare-local stopped")
