"""Start and stop a real cloudflare-local server subprocess (tests, demo, benchmarks).

A subprocess rather than a thread: clients then talk real HTTP to a real socket, restarts exercise the
on-disk store, and a crash in the server cannot take the test process with it.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from pulumi_cloudflare_workflows_provider.config import ACCOUNT_ID_ENV, BASE_URL_ENV, TOKEN_ENV

_LIVE: weakref.WeakSet[CloudflareLocalServer] = weakref.WeakSet()


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (start() retries if another process takes it first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """Linux: have the kernel SIGTERM the server if the test process dies without cleaning up.

    The kernel ties this to the *thread* that started the server: start long-lived servers from the
    main thread, or pass `die_with_parent=False`.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class ServerStartError(RuntimeError):
    """The server process exited or never answered its health probe."""


class CloudflareLocalServer:
    """A `cloudflare-local serve` subprocess on a free port; a context manager that always stops it."""

    def __init__(
        self,
        *,
        token: str | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
        fault_rate: float = 0.0,
        fault_seed: int | None = None,
        runtime: bool = False,
        extra_args: list[str] | None = None,
        startup_timeout: float = 30.0,
        die_with_parent: bool = True,
    ) -> None:
        self.token = token
        self.host = host
        self._requested_port = port
        self.port = port or 0
        self.fault_rate = fault_rate
        self.fault_seed = fault_seed
        self.runtime = runtime
        self.extra_args = list(extra_args or [])
        self.startup_timeout = startup_timeout
        self.die_with_parent = die_with_parent and sys.platform.startswith("linux")
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="cloudflare-local-")
            data_dir = self._tmp.name
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir / "server.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._client: httpx.Client | None = None

    # -- addresses -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The server root, e.g. http://127.0.0.1:40123."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_base(self) -> str:
        """What the API base URL variable (CLOUDFLARE_API_BASE_URL) should be set to."""
        return f"{self.url}/client/v4"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def worker_url(self, script_name: str, path: str = "/") -> str:
        """Where a deployed script's fetch handler answers (runtime on): /__workers/<script_name><path>."""
        return f"{self.url}/__workers/{script_name}{path}"

    def env(self, account_id: str) -> dict[str, str]:
        """The environment variables wrangler and the provider read to use this server."""
        out = {BASE_URL_ENV: self.api_base, ACCOUNT_ID_ENV: account_id}
        if self.token:
            out[TOKEN_ENV] = self.token
        return out

    # -- lifecycle -------------------------------------------------------------------------------
    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "cloudflare_local", "serve", "--host", self.host]
        cmd += ["--port", str(self.port), "--data", str(self.data_dir)]
        if self.fault_rate:
            cmd += ["--fault-rate", str(self.fault_rate)]
        if self.fault_seed is not None:
            cmd += ["--fault-seed", str(self.fault_seed)]
        cmd.append("--runtime" if self.runtime else "--no-runtime")
        return cmd + self.extra_args

    def start(self) -> CloudflareLocalServer:
        """Start the server and wait until /__local/health answers; retry on a lost port race."""
        if self.running():
            return self
        last_error: Exception | None = None
        for _attempt in range(3):
            self.port = self._requested_port or free_port(self.host)
            try:
                self._spawn()
                self._wait_ready()
                _LIVE.add(self)
                return self
            except ServerStartError as exc:
                last_error = exc
                self._terminate()
                if self._requested_port:
                    break
        raise ServerStartError(str(last_error)) from last_error

    def _spawn(self) -> None:
        env = dict(os.environ)
        if self.token:
            # Passed by environment, never argv: argv is visible to every user in `ps`.
            env["CLOUDFLARE_LOCAL_TOKEN"] = self.token
        else:
            env.pop("CLOUDFLARE_LOCAL_TOKEN", None)
        env["PYTHONUNBUFFERED"] = "1"
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed below
        try:
            self._proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                preexec_fn=_die_with_parent if self.die_with_parent else None,
            )
        finally:
            log.close()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                assert self._proc is not None
                if self._proc.poll() is not None:
                    raise ServerStartError(
                        f"cloudflare-local exited with {self._proc.returncode}: {self.log_tail()}"
                    )
                with contextlib.suppress(httpx.TransportError):
                    if client.get(f"{self.url}/__local/health").status_code == 200:
                        return
                time.sleep(0.05)
        raise ServerStartError(f"cloudflare-local not ready after {self.startup_timeout}s: {self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL) and remove a temporary data dir."""
        self._terminate()
        _LIVE.discard(self)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def kill(self) -> None:
        """SIGKILL the server, as a crash would (the data dir stays; `restart()` brings it back)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=10)

    def restart(self) -> CloudflareLocalServer:
        """Stop and start on the same port and data dir: what a restart-persistence test needs."""
        self._terminate()
        requested = self._requested_port
        self._requested_port = self.port
        try:
            return self.start()
        finally:
            self._requested_port = requested

    def _terminate(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def __enter__(self) -> CloudflareLocalServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- test hooks ------------------------------------------------------------------------------
    def _hooks(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(base_url=self.url, timeout=10.0)
        return self._client

    def health(self) -> bool:
        try:
            return self._hooks().get("/__local/health").status_code == 200
        except httpx.TransportError:
            return False

    def requests(self) -> list[dict[str, Any]]:
        """The API request log, oldest first: [{"method", "path", "query", "status", "fault", "started",
        "seconds", "connection"}]."""
        response = self._hooks().get("/__local/requests")
        response.raise_for_status()
        result: list[dict[str, Any]] = response.json()
        return result

    def clear_requests(self) -> None:
        self._hooks().delete("/__local/requests").raise_for_status()

    def set_faults(self, rate: float, seed: int | None = None, **options: Any) -> dict[str, Any]:
        """Turn fault injection on (rate > 0) or off (rate 0); options: kinds, slow_seconds, retry_after."""
        body: dict[str, Any] = {"rate": rate, **options}
        if seed is not None:
            body["seed"] = seed
        response = self._hooks().post("/__local/faults", json=body)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def set_rate_limit_storms(self, every: int, seconds: int = 1) -> dict[str, Any]:
        """After every `every` requests served, answer all API requests 429 for `seconds` (0: off)."""
        response = self._hooks().post("/__local/ratelimit", json={"every": every, "seconds": seconds})
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def runtime_info(self) -> dict[str, Any]:
        """The runtime's state: {"runtime": False} without one, else its processes (pid, name, rss_kib),
        the sidecar's start time and the last configurations applied (seconds each)."""
        response = self._hooks().get("/__local/runtime")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def rate_limit_storms(self) -> dict[str, Any]:
        """The storms so far: {"every", "seconds", "storms": [{"started", "seconds", "rejected"}]}."""
        response = self._hooks().get("/__local/ratelimit")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


@atexit.register
def _stop_all() -> None:
    """Last resort: never leave a server behind when the interpreter exits."""
    for server in list(_LIVE):
        with contextlib.suppress(Exception):
            server.stop()
