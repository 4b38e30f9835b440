"""What the provider tells the user outside its results: warning lines and the first line of a failure.

The engine shows a dynamic provider's stderr in the step's diagnostics, before the exception it returns
(which the Python dynamic-provider server formats as a traceback, message last). So both go to stderr.
"""

from __future__ import annotations

import sys

__all__ = ["print_error", "warn"]


def warn(message: str) -> None:
    """A warning line the engine shows for this resource's step."""
    print(f"warning: {message}", file=sys.stderr, flush=True)


def print_error(summary: str, details: str | None = None) -> None:
    """A failure's first line (what failed, what to do), then its details, shown before the traceback."""
    print(f"error: {summary}", file=sys.stderr, flush=True)
    if details:
        print(f"  {details}", file=sys.stderr, flush=True)
