"""What the provider tells the user outside its results: warning lines and the first line of a failure.

The engine shows a dynamic provider's stderr in the step's diagnostics, before the exception it returns
(which the Python dynamic-provider server formats as a traceback, message last). So both go to stderr.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

__all__ = ["TRACE_ENV", "print_error", "trace", "warn"]

TRACE_ENV = "CFWF_TRACE_FILE"
_trace_path = os.environ.get(TRACE_ENV)
_trace_lock = threading.Lock()


def warn(message: str) -> None:
    """A warning line the engine shows for this resource's step."""
    print(f"warning: {message}", file=sys.stderr, flush=True)


def print_error(summary: str, details: str | None = None) -> None:
    """A failure's first line (what failed, what to do), then its details, shown before the traceback."""
    print(f"error: {summary}", file=sys.stderr, flush=True)
    if details:
        print(f"  {details}", file=sys.stderr, flush=True)


def trace(call: str, started: float) -> None:
    """With ``CFWF_TRACE_FILE`` set (benchmarks only), append one JSON line per provider call: its name and
    span, so a benchmark can count the calls the engine keeps in flight. Off, it costs one comparison."""
    if not _trace_path:
        return
    line = json.dumps({"call": call, "started": started, "ended": time.time()})
    with _trace_lock, open(_trace_path, "a", encoding="utf-8") as out:
        out.write(line + "\n")
