"""Seeded fault injection and rate-limit storms for API requests: what a client's retry logic must survive.

One random draw per API request from a seeded generator under a lock, so a sequential client sees the
same faults in the same places on every run. Faults are injected before the request reaches the model:
a faulted request never changes state.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, field
from typing import Any

KINDS = ("429", "500", "502", "503", "drop", "slow")


@dataclass(frozen=True)
class Fault:
    kind: str  # one of KINDS
    status: int  # 0 for a dropped connection; the real status for "slow"
    retry_after: int = 1
    delay: float = 0.0


@dataclass
class FaultConfig:
    rate: float = 0.0
    seed: int | None = None
    kinds: tuple[str, ...] = KINDS
    slow_seconds: float = 1.5
    retry_after: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "seed": self.seed,
            "kinds": list(self.kinds),
            "slow_seconds": self.slow_seconds,
            "retry_after": self.retry_after,
        }


@dataclass
class FaultInjector:
    """Decides, per API request, whether to fail it and how."""

    config: FaultConfig = field(default_factory=FaultConfig)
    _rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(self, body: dict[str, Any]) -> FaultConfig:
        """Apply `{"rate", "seed"?, "kinds"?, "slow_seconds"?, "retry_after"?}`; ValueError if invalid."""
        rate = body.get("rate", 0)
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate <= 1:
            raise ValueError("rate must be a number between 0 and 1")
        seed = body.get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError("seed must be an integer")
        kinds = tuple(body.get("kinds") or KINDS)
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; known: {list(KINDS)}")
        slow = body.get("slow_seconds", 1.5)
        retry_after = body.get("retry_after", 1)
        if not isinstance(slow, (int, float)) or not 0 <= slow <= 60:
            raise ValueError("slow_seconds must be between 0 and 60")
        if not isinstance(retry_after, int) or retry_after < 0:
            raise ValueError("retry_after must be a non-negative integer")
        with self._lock:
            self.config = FaultConfig(float(rate), seed, kinds, float(slow), retry_after)
            self._rng = random.Random(seed)
        return self.config

    def draw(self) -> Fault | None:
        """The fault for the next API request, or None."""
        with self._lock:
            config = self.config
            if config.rate <= 0:
                return None
            if self._rng.random() >= config.rate:
                return None
            kind = self._rng.choice(config.kinds)
        if kind == "drop":
            return Fault(kind, 0)
        if kind == "slow":
            return Fault(kind, 200, delay=config.slow_seconds)
        return Fault(kind, int(kind), retry_after=config.retry_after)


@dataclass
class Storm:
    """One account-wide rate-limit window: every API request in it is answered 429."""

    started: float
    seconds: int
    rejected: int = 0

    @property
    def ends(self) -> float:
        return self.started + self.seconds

    def to_json(self) -> dict[str, Any]:
        return {"started": self.started, "seconds": self.seconds, "rejected": self.rejected}


@dataclass
class RateLimitStorms:
    """Rate-limit storms as Cloudflare's account-wide limit makes them: after every `every` requests served,
    the account answers 429 to every API request for `seconds` seconds, each with ``Retry-After`` = the whole
    seconds left in the window (rounded up, as the header holds an integer). What a client must do is wait
    exactly that long, once: the storms' total length is the least extra time an `up` can take."""

    every: int = 0
    seconds: int = 1
    storms: list[Storm] = field(default_factory=list)
    _served: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(self, body: dict[str, Any]) -> dict[str, Any]:
        """Apply `{"every": K, "seconds": W}` (`every` 0 turns storms off and clears the record)."""
        every, seconds = body.get("every", 0), body.get("seconds", 1)
        if not isinstance(every, int) or isinstance(every, bool) or every < 0:
            raise ValueError("every must be a non-negative integer (requests between storms)")
        if not isinstance(seconds, int) or isinstance(seconds, bool) or not 1 <= seconds <= 60:
            raise ValueError("seconds must be an integer between 1 and 60")
        with self._lock:
            self.every, self.seconds, self._served = every, seconds, 0
            self.storms = []
        return self.to_json()

    def retry_after(self, now: float) -> int | None:
        """Seconds a request arriving at `now` must wait (it is rejected), or None (it is served)."""
        with self._lock:
            if self.every <= 0:
                return None
            current = self.storms[-1] if self.storms else None
            if current is not None and now < current.ends:
                current.rejected += 1
                return max(1, math.ceil(current.ends - now))
            self._served += 1
            if self._served % self.every == 0:
                self.storms.append(Storm(now, self.seconds))
            return None

    def to_json(self) -> dict[str, Any]:
        return {
            "every": self.every,
            "seconds": self.seconds,
            "storms": [s.to_json() for s in self.storms],
        }
