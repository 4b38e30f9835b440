"""Seeded fault injection for API requests: what a client's retry logic must survive.

One random draw per API request from a seeded generator under a lock, so a sequential client sees the
same faults in the same places on every run. Faults are injected before the request reaches the model:
a faulted request never changes state.
"""

from __future__ import annotations

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
