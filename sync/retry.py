"""A background retry timer: a failed sync is retried on its own, with backoff.

The failure users of offline point-of-sale systems report most is an upload that
failed and is only retried at the next sale. Here a sync that fails schedules the next
attempt (2 s, 4 s, … up to ``max_delay``); a successful one returns to the regular
interval; ``poke()`` (after a local write, or a "sync now" button) runs one at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from shared.logging import get_logger

log = get_logger(__name__)


class RetryTimer:
    def __init__(
        self, run: Callable[[], object], *, interval: float = 60.0, first_retry: float = 2.0,
        max_delay: float = 300.0, on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self.run = run
        self.interval = interval
        self.first_retry = first_retry
        self.max_delay = max_delay
        self.on_error = on_error
        self.failures = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def next_delay(self) -> float:
        if self.failures == 0:
            return self.interval
        return min(self.first_retry * 2 ** (self.failures - 1), self.max_delay)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="sync-retry", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """Sync now (a local write happened, or a person asked)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run()
                self.failures = 0
            except Exception as error:  # any failure schedules a retry
                self.failures += 1
                log.info("sync failed; will retry", error=type(error).__name__,
                         retry_in=self.next_delay())
                if self.on_error is not None:
                    self.on_error(error)
            self._wake.wait(self.next_delay())
            self._wake.clear()
