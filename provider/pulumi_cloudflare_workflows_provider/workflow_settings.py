"""A Workflow's cron ``schedules`` and ``default_retention`` (pure): Cloudflare's syntax, one canonical
spelling, and the wire shape.

Both are sent in ``PUT /workflows/{name}`` and read back on refresh. ``check`` canonicalises them
(:func:`canonical_schedules`, :func:`canonical_retention`), so state holds one spelling and a diff compares
canonical values:

- a schedule list becomes each cron trimmed, with single spaces and in upper case (``"0 9 * * mon-fri"`` ->
  ``"0 9 * * MON-FRI"``: Cloudflare reads names in any case, and its ``L``/``W`` only in upper case), without
  duplicates, in the order the state has them, new ones after (:func:`in_order_of`); a diff compares them
  as a set (:func:`comparable_schedules`). Cloudflare receives that spelling; a read-back is canonicalised
  the same way.
- a retention value becomes milliseconds, an int (``"7 days"``, ``"1 week"`` and ``604800000`` are one
  value): what is sent, and what Cloudflare returns (GET of a workflow version answers milliseconds).

``None`` means "not managed": nothing is sent, nothing is read back, and values set elsewhere (the dashboard,
wrangler) stay as they are. ``[]`` and ``{}`` are managed and empty: they clear. A program that stops setting
a key it set clears what it set (:func:`settings_to_wire`), then leaves it alone.

The cron grammar is that of Cloudflare's cron parser (five fields; ``*``, lists, ranges, which may wrap
around, steps, JAN-DEC and SUN-SAT in any case, day-of-week 1-7 with 1 = Sunday; day-of-month ``L``, ``LW``,
``L-n``, ``L-nW``, ``nW``; day-of-week ``L``, ``nL``, ``n#k``). The duration grammar is the API's
``^(\\d+)\\s+(second|minute|hour|day|week|month|year)s?$``; a month is 30 days and a year 365.25, as in the
duration library of Cloudflare's Workflows runtime. cloudflare-local validates with the same functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CRON_MAX",
    "CRON_WORDS",
    "DURATION_WORDS",
    "MAX_SCHEDULES",
    "RETENTION_KEYS",
    "canonical_cron",
    "canonical_retention",
    "canonical_schedules",
    "comparable_schedules",
    "cron_problem",
    "duration_ms",
    "in_order_of",
    "retention_from_wire",
    "schedules_from_wire",
    "settings_to_wire",
]

MAX_SCHEDULES = 200
CRON_MAX = 256
RETENTION_KEYS = ("error_retention", "success_retention")

CRON_WORDS = (
    "Cloudflare's five fields, minute hour day-of-month month day-of-week, e.g. '*/15 * * * *' or "
    "'0 9 * * MON-FRI'"
)
DURATION_WORDS = (
    "milliseconds (a whole number >= 0) or a duration like '7 days': a whole number, a space, then second, "
    "minute, hour, day, week, month or year (plural or not)"
)

_DURATION_RE = re.compile(r"^(\d+)\s+(second|minute|hour|day|week|month|year)s?$", re.ASCII)
_DAY_MS = 86_400_000
_UNIT_MS = {
    "second": 1000,
    "minute": 60_000,
    "hour": 3_600_000,
    "day": _DAY_MS,
    "week": 7 * _DAY_MS,
    "month": 30 * _DAY_MS,
    "year": 365 * _DAY_MS + _DAY_MS // 4,
}


# --- cron expressions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Field:
    what: str
    low: int
    high: int
    names: tuple[str, ...] = ()

    def words(self) -> str:
        names = f", or {self.names[0]}-{self.names[-1]}" if self.names else ""
        sunday = " (1 is Sunday)" if self.names and self.names[0] == "SUN" else ""
        return f"{self.low}-{self.high}{sunday}{names}"


_MINUTE = _Field("minute", 0, 59)
_HOUR = _Field("hour", 0, 23)
_DAY_OF_MONTH = _Field("day of month", 1, 31)
_MONTH = _Field(
    "month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
)
_DAY_OF_WEEK = _Field("day of week", 1, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))

_FIELD_SEPARATOR = re.compile(r"[ \t]+")
_LAST_DAY_OF_MONTH = re.compile(r"^L(?:-(\d+))?W?$")  # L, LW, L-n, L-nW
_NEAREST_WEEKDAY = re.compile(r"^(\d+)W$")  # nW


class _Bad(ValueError):
    """A cron field that Cloudflare's parser refuses; the message says why, in words."""


def _value(token: str, field: _Field) -> int:
    if token.isdigit() and token.isascii():
        value = int(token)
        if not field.low <= value <= field.high:
            raise _Bad(f"{field.what} {value} is out of range {field.words()}")
        return value
    if token.upper() in field.names:
        return field.names.index(token.upper()) + field.low
    raise _Bad(f"{field.what} {token!r} is not a value of {field.words()}")


def _step(token: str, field: _Field) -> None:
    most = field.high - field.low
    if not (token.isdigit() and token.isascii() and 1 <= int(token) <= most):
        raise _Bad(f"{field.what} step {token!r} must be a whole number from 1 to {most}")


def _list(text: str, field: _Field) -> None:
    """A list of ``*``, ``*/s``, ``v``, ``a-b`` (it may wrap around, e.g. FRI-MON), ``v/s`` and ``a-b/s``."""
    items = text.split(",")
    for item in items:
        base, slash, step = item.partition("/")
        if slash:
            _step(step, field)
        if base == "*":
            if not slash and len(items) > 1:
                raise _Bad(f"{field.what} '*' cannot be part of a list")
            continue
        if not base:
            raise _Bad(f"{field.what} {text!r} has an empty item")
        start, dash, end = base.partition("-")
        _value(start, field)
        if dash:
            _value(end, field)


def _day_of_month(text: str) -> None:
    last = _LAST_DAY_OF_MONTH.match(text)
    if last:
        if last.group(1) is not None and not 1 <= int(last.group(1)) <= 30:
            raise _Bad(f"day of month {text!r}: L-n takes n from 1 to 30")
        return
    nearest = _NEAREST_WEEKDAY.match(text)
    if nearest:
        _value(nearest.group(1), _DAY_OF_MONTH)
        return
    _list(text, _DAY_OF_MONTH)


def _day_of_week(text: str) -> None:
    if text == "L":
        return
    day, hash_, nth = text.partition("#")
    if hash_:
        _value(day, _DAY_OF_WEEK)
        if not (nth.isdigit() and nth.isascii() and 1 <= int(nth) <= 5):
            raise _Bad(f"day of week {text!r}: #n takes n from 1 to 5")
        return
    if len(text) > 1 and text.endswith("L"):
        _value(text[:-1], _DAY_OF_WEEK)
        return
    _list(text, _DAY_OF_WEEK)


def cron_problem(expression: str) -> str | None:
    """What Cloudflare's cron parser would refuse in `expression`, in words, or None when it is valid.

    Exact, as the API reads it: fields apart by spaces or tabs, no space around them, ``L`` and ``W`` in upper
    case. The provider checks :func:`canonical_cron` of what a program gives, which is what it sends.
    """
    if not expression:
        return "the expression is empty"
    if len(expression) > CRON_MAX:
        return f"the expression is {len(expression)} characters long; the limit is {CRON_MAX}"
    if expression != expression.strip(" \t"):
        return "the expression starts or ends with a space"
    if expression.startswith("@"):
        macro = expression.split()[0].lower()
        return f"macros like {macro!r} are not cron syntax Cloudflare reads ('0 0 * * *' is daily)"
    fields = _FIELD_SEPARATOR.split(expression)
    if len(fields) != 5:
        counted = "1 field" if len(fields) == 1 else f"{len(fields)} fields"
        return f"the expression has {counted}, not 5"
    minute, hour, day_of_month, month, day_of_week = fields
    try:
        _list(minute, _MINUTE)
        _list(hour, _HOUR)
        _day_of_month(day_of_month)
        _list(month, _MONTH)
        _day_of_week(day_of_week)
    except _Bad as bad:
        return str(bad)
    return None


def canonical_cron(expression: str) -> str:
    """One spelling of a cron expression: trimmed, single spaces, upper case (names, ``L``, ``W``)."""
    return " ".join(expression.split()).upper()


def canonical_schedules(value: Any) -> Any:
    """Distinct canonical crons, in the order given; anything but a list of strings (an unknown, a bad
    value) as it is. Their order means nothing to Cloudflare: :func:`comparable_schedules` is what a diff
    compares."""
    if not _crons(value):
        return list(value) if isinstance(value, tuple) else value
    return list(dict.fromkeys(canonical_cron(item) for item in value))


def comparable_schedules(value: Any) -> Any:
    """A schedule list as a diff compares it: sorted (two orders of the same crons are one value)."""
    return sorted(value) if _crons(value) else value


def in_order_of(previous: Any, schedules: Any) -> Any:
    """`schedules` (canonical) in the order `previous` (the state) has them, the new ones after, in their own
    order: the engine shows ``--diff`` from old and new inputs, so a cron added or removed then previews as
    itself, not as every later index changing."""
    if not _crons(previous) or not _crons(schedules):
        return schedules
    kept = [cron for cron in previous if cron in schedules]
    return kept + [cron for cron in schedules if cron not in kept]


def _crons(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value)


# --- retention --------------------------------------------------------------------------------------------


def duration_ms(value: Any) -> int:
    """A retention value in milliseconds: an int (an integral float too: the engine sends numbers as
    doubles) or a duration string of the API's grammar. Raises ``ValueError`` saying what is wrong."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration: use {DURATION_WORDS}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{value} is negative: use {DURATION_WORDS}")
        return value
    match = _DURATION_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"{value!r} is not a duration: use {DURATION_WORDS}")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def canonical_retention(value: Any) -> Any:
    """``{key: milliseconds}`` for the keys given (a ``None`` value counts as not given), sorted; a value that
    is not a duration, or anything but a dict, is left as it is for validation to report."""
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for key in sorted(value, key=str):
        if value[key] is None:
            continue
        try:
            out[key] = duration_ms(value[key])
        except ValueError:
            out[key] = value[key]
    return out


# --- the wire ---------------------------------------------------------------------------------------------


def settings_to_wire(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """The ``schedules`` and ``default_retention`` of a ``PUT /workflows/{name}`` body, from the state
    (`old`, empty for a create) and the checked inputs (`new`).

    A key the program sets is sent whole (Cloudflare replaces it). A key it does not set is left out, so the
    value set elsewhere stays; if the state shows this program set it before, the empty value is sent instead
    (``[]``, ``{}``): removing a setting from the program clears what the program set.
    """
    body: dict[str, Any] = {}
    schedules = canonical_schedules(new.get("schedules"))
    if schedules is not None:
        body["schedules"] = [{"cron": cron} for cron in schedules]
    elif old.get("schedules") is not None:
        body["schedules"] = []
    retention = canonical_retention(new.get("default_retention"))
    if retention is not None:
        body["default_retention"] = dict(retention)
    elif old.get("default_retention") is not None:
        body["default_retention"] = {}
    return body


def schedules_from_wire(items: Any) -> list[str]:
    """The canonical schedules of a workflow as GET ``/workflows/{name}`` returns them (``[{cron, ...}]``,
    absent when there are none)."""
    crons = [item.get("cron") for item in items or [] if isinstance(item, Mapping)]
    return list(dict.fromkeys(canonical_cron(cron) for cron in crons if isinstance(cron, str)))


def retention_from_wire(value: Any) -> dict[str, Any]:
    """The canonical default retention of a workflow version as GET ``.../versions/{id}`` returns it
    (milliseconds; absent when it has none)."""
    if not isinstance(value, Mapping):
        return {}
    return dict(canonical_retention({k: v for k, v in value.items() if k in RETENTION_KEYS}))
