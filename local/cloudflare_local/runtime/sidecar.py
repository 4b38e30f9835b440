"""The Node sidecar (local/node/sidecar/sidecar.mjs) as a process, and its control protocol.

One JSON request per line on its stdin, one reply per line on its stdout (prefixed `@@cfl `); its stderr
(workerd's output and the Workers' console.log) goes to this process's log. Traffic to the Workers and to
Miniflare's explorer API goes over HTTP to the sidecar's proxy (`proxy_url`), never through this pipe.

The sidecar dies with the server: its stdin closes when the server exits (it then stops Miniflare), the
kernel SIGTERMs it if the server is killed (PR_SET_PDEATHSIG), and workerd dies with it in turn
(sidecar/workerd.sh). It runs in a process group of its own, which `stop()` kills as a last resort.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import IO, Any

from cloudflare_local.node import loopback_guard, node_executable, sidecar_script

log = logging.getLogger("cloudflare_local.runtime")

PREFIX = "@@cfl "
START_TIMEOUT = 60.0
APPLY_TIMEOUT = 120.0
STOP_TIMEOUT = 10.0


class SidecarError(RuntimeError):
    """The sidecar did not start, died, or did not answer in time."""


def _die_with_parent() -> None:
    """Linux: the kernel SIGTERMs the sidecar when the thread that started it (the server's main thread)
    ends; the new session gives it a process group of its own, workerd included."""
    os.setsid()
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class Sidecar:
    """A running sidecar: `apply` a configuration, `forget` workflows, reach its proxy at `proxy_url`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.proxy_url = ""
        self.pid = 0
        self.started_seconds = 0.0
        self._proc: subprocess.Popen[bytes] | None = None
        self._ids = itertools.count(1)
        self._replies: dict[int, queue.Queue[dict[str, Any]]] = {}
        self._lock = threading.Lock()  # one request on the pipe at a time
        self._ready: queue.Queue[dict[str, Any]] = queue.Queue()
        self._stopping = False

    def start(self) -> None:
        node = node_executable()
        if node is None:
            raise SidecarError("node is not on PATH")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        # Nothing the sidecar starts reaches the network: the loopback guard refuses any other socket.
        env["NODE_OPTIONS"] = f"--require {loopback_guard()}"
        began = time.perf_counter()
        self._proc = subprocess.Popen(
            [node, str(sidecar_script()), "--data", str(self.data_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            preexec_fn=_die_with_parent,
        )
        assert self._proc.stdout is not None and self._proc.stderr is not None
        threading.Thread(target=self._read_replies, args=(self._proc.stdout,), daemon=True).start()
        threading.Thread(target=self._read_log, args=(self._proc.stderr,), daemon=True).start()
        try:
            ready = self._ready.get(timeout=START_TIMEOUT)
        except queue.Empty:
            self.stop()
            raise SidecarError(f"the runtime sidecar did not start within {START_TIMEOUT:.0f} s") from None
        if "proxy" not in ready:
            self.stop()
            raise SidecarError(f"the runtime sidecar exited while starting: {ready.get('error', '')}")
        self.proxy_url, self.pid = str(ready["proxy"]), int(ready["pid"])
        self.started_seconds = time.perf_counter() - began

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def apply(self, workers: list[dict[str, Any]]) -> dict[str, Any]:
        """Run these Workers instead of the current ones: {"ok", "seconds", "error"?, "log"?, "restored"?}."""
        return self._request({"op": "apply", "workers": workers}, APPLY_TIMEOUT)

    def forget(self, workflows: list[str]) -> None:
        """Remove the stored instances of workflows no configuration names any more."""
        reply = self._request({"op": "forget", "workflows": workflows}, APPLY_TIMEOUT)
        if not reply.get("ok"):
            raise SidecarError(str(reply.get("error")))

    def _request(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        with self._lock:
            proc = self._proc
            if proc is None or proc.poll() is not None or proc.stdin is None:
                raise SidecarError("the runtime sidecar is not running (see the server log)")
            request_id = next(self._ids)
            answer: queue.Queue[dict[str, Any]] = queue.Queue(maxsize=1)
            self._replies[request_id] = answer
            try:
                proc.stdin.write(json.dumps({"id": request_id, **message}).encode() + b"\n")
                proc.stdin.flush()
                return answer.get(timeout=timeout)
            except (OSError, queue.Empty) as exc:
                raise SidecarError(f"the runtime sidecar did not answer {message['op']}: {exc!r}") from exc
            finally:
                self._replies.pop(request_id, None)

    def _read_replies(self, stream: IO[bytes]) -> None:
        for raw in stream:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            if not line.startswith(PREFIX):
                log.info("sidecar: %s", line)
                continue
            message = json.loads(line[len(PREFIX) :])
            if message.get("event") == "ready":
                self._ready.put(message)
                continue
            answer = self._replies.get(int(message.get("id", 0)))
            if answer is not None:
                answer.put(message)
        self._ready.put({"error": "its stdout closed"})
        if not self._stopping:
            log.warning("runtime sidecar exited: the runtime is down (see the lines above)")

    @staticmethod
    def _read_log(stream: IO[bytes]) -> None:
        for raw in stream:
            log.info("%s", raw.decode("utf-8", errors="replace").rstrip("\n"))

    def stop(self) -> None:
        """Close its stdin (it stops Miniflare and exits), wait, then kill whatever is left of its group."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        self._stopping = True
        with contextlib.suppress(OSError):
            if proc.stdin is not None:
                proc.stdin.close()
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=STOP_TIMEOUT)
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=STOP_TIMEOUT)

    def processes(self) -> list[dict[str, Any]]:
        """The sidecar and its children (workerd): pid, command and resident memory, read from /proc."""
        if not self.running():
            return []
        out = []
        for pid in [self.pid, *_children(self.pid)]:
            status = _proc_status(pid)
            if status:
                out.append({"pid": pid, "name": status.get("Name", ""), "rss_kib": _kib(status.get("VmRSS"))})
        return out


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                for child in (task / "children").read_text().split():
                    found += [int(child), *_children(int(child))]
    return found


def _proc_status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}


def _kib(value: str | None) -> int:
    return int(value.split()[0]) if value else 0
