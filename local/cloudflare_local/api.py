"""What the endpoint handlers share: the call context, the reply type, pagination and argument parsing."""

from __future__ import annotations

import base64
import functools
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from werkzeug.wrappers import Request, Response

from cloudflare_local import errors
from cloudflare_local.errors import ApiError
from cloudflare_local.models import Account, Backend

T = TypeVar("T")


@dataclass
class Reply:
    """A successful answer: `result` goes into the envelope; `raw` bypasses it (script downloads)."""

    result: Any = None
    result_info: dict[str, Any] | None = None
    status: int = 200
    raw: Response | None = None
    omit_result: bool = False


@dataclass
class Call:
    """One API request, with the account it addresses."""

    request: Request
    backend: Backend
    account: Account
    params: dict[str, str] = field(default_factory=dict)

    def body(self) -> bytes:
        return self.request.get_data(cache=True)

    def json(self, *, default: Any = None) -> Any:
        """The JSON body (`default` when empty); a parse error is Cloudflare's 400."""
        raw = self.body()
        if not raw.strip():
            return default
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise errors.invalid_body(f"not JSON: {exc}") from exc

    def json_object(self) -> dict[str, Any]:
        value = self.json(default={})
        if not isinstance(value, dict):
            raise errors.invalid_body("expected a JSON object")
        return value

    def arg(self, name: str) -> str | None:
        return self.request.args.get(name)

    def arg_int(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.request.args.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise errors.malformed_param(name, raw, "an integer") from None
        if not low <= value <= high:
            raise errors.malformed_param(name, raw, f"between {low} and {high}")
        return value

    def arg_bool(self, name: str) -> bool:
        raw = (self.request.args.get(name) or "").lower()
        if raw in ("", "false", "0"):
            return False
        if raw in ("true", "1"):
            return True
        raise errors.malformed_param(name, raw, "true or false")


Handler = Callable[..., Reply]
Route = tuple[str, Sequence[str], Handler]


def page(items: list[T], page_number: int, per_page: int) -> tuple[list[T], dict[str, Any]]:
    """Page-number pagination as Cloudflare's list endpoints do it: past the last page, an empty result."""
    total = len(items)
    start = (page_number - 1) * per_page
    chunk = items[start : start + per_page]
    info = {
        "page": page_number,
        "per_page": per_page,
        "count": len(chunk),
        "total_count": total,
        "total_pages": max(1, math.ceil(total / per_page)) if per_page else 1,
    }
    return chunk, info


def checked(param: str, check: Callable[[str], None]) -> Callable[[Handler], Handler]:
    """A route decorator: validate the URL parameter `param` with `check` before the handler runs."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapped(call: Call, **kwargs: str) -> Reply:
            check(kwargs[param])
            return handler(call, **kwargs)

        return wrapped

    return decorate


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not text.startswith("o:"):
            raise ValueError(text)
        return max(0, int(text[2:]))
    except ValueError:
        raise ApiError(
            errors.MALFORMED_URL_PARAM, f"Malformed URL parameter cursor={cursor!r}", 400
        ) from None
