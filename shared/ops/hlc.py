"""Hybrid logical clock.

A reading packs wall-clock milliseconds and a logical counter into one 64-bit
integer: ``(millis << 16) | counter``. Readings from one replica strictly increase,
a replica that observes a remote reading moves past it, and readings stay close to
wall time, so ``(hlc, device_id, op_id)`` orders every operation the same way on
every replica.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from shared.domain.errors import ClockDriftError

COUNTER_BITS = 16
COUNTER_MASK = (1 << COUNTER_BITS) - 1
#: A remote reading further ahead than this is refused instead of dragging our clock.
DEFAULT_MAX_FORWARD_MS = 24 * 60 * 60 * 1000


def wall_millis() -> int:
    return time.time_ns() // 1_000_000


def pack(millis: int, counter: int) -> int:
    return (millis << COUNTER_BITS) | counter


def unpack(reading: int) -> tuple[int, int]:
    return reading >> COUNTER_BITS, reading & COUNTER_MASK


def millis_of(reading: int) -> int:
    return reading >> COUNTER_BITS


@dataclass
class HybridLogicalClock:
    """One replica's clock. Thread-safe: the desktop records from worker threads."""

    last: int = 0
    wall: Callable[[], int] = wall_millis
    max_forward_ms: int = DEFAULT_MAX_FORWARD_MS

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def now(self) -> int:
        """A new reading, greater than every reading this clock has made or seen."""
        with self._lock:
            self.last = self._advance(self.last, self.wall())
            return self.last

    def observe(self, remote: int) -> int:
        """Move past a reading from another replica; refuse one absurdly far ahead."""
        with self._lock:
            physical = self.wall()
            if millis_of(remote) - physical > self.max_forward_ms:
                raise ClockDriftError(
                    f"remote clock is {(millis_of(remote) - physical) // 1000} s ahead of ours"
                )
            self.last = self._advance(max(self.last, remote), physical)
            return self.last

    @staticmethod
    def _advance(previous: int, physical_ms: int) -> int:
        last_ms, counter = unpack(previous)
        if physical_ms > last_ms:
            return pack(physical_ms, 0)
        if counter < COUNTER_MASK:
            return pack(last_ms, counter + 1)
        # The counter is exhausted within one millisecond: borrow the next one.
        return pack(last_ms + 1, 0)
