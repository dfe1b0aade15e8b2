"""Background sync: on a timer and on demand, off the UI thread, never two at once.

Being offline is a normal state of a store PC, not an error: a sync that cannot reach
the server sets ``online`` to False and the status bar says so; the operations wait in
the outbox for the next sync.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.app import store as store_actions
from desktop.app.store import StoreData
from desktop.app.sync_status import SyncOverview, sync_overview
from desktop.ui.messages import message_for
from desktop.ui.tasks import TaskRunner
from shared.domain.errors import AuthError
from sync.client import SyncReport
from sync.transport_http import ServerUnreachable

SyncFunction = Callable[..., SyncReport]


@dataclass(frozen=True)
class SyncState:
    running: bool = False
    #: None until the first attempt; then whether the server answered the last one
    online: bool | None = None
    #: "offline", "refused" (the server refused this PC) or "error"; None after a success
    problem: str | None = None
    message: str | None = None  # Spanish, for the last failure
    last_attempt: datetime | None = None
    report: SyncReport | None = None  # of the last successful sync
    overview: SyncOverview | None = None


def _classify(error: BaseException) -> tuple[bool | None, str]:
    if isinstance(error, ServerUnreachable):
        return False, "offline"
    if isinstance(error, AuthError):
        return True, "refused"
    return None, "error"


class SyncController(QObject):
    """Owns the sync timer; emits ``changed(SyncState)`` whenever something moved."""

    changed = Signal(object)

    def __init__(self, store: StoreData, tasks: TaskRunner, *, interval_seconds: float = 60.0,
                 sync_function: SyncFunction | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.tasks = tasks
        self.sync_function: SyncFunction = sync_function or store_actions.sync
        self.state = SyncState()
        self.timer = QTimer(self)
        self.timer.setInterval(max(1, int(interval_seconds * 1000)))
        self.timer.timeout.connect(self.sync_now)
        self.runs = 0  # syncs started, for tests and diagnostics

    @property
    def running(self) -> bool:
        return self.state.running

    def start(self, *, first_after_ms: int = 0) -> None:
        """Sync every interval from now on, the first one after ``first_after_ms``."""
        self.timer.start()
        QTimer.singleShot(first_after_ms, self.sync_now)

    def stop(self) -> None:
        self.timer.stop()

    def set_interval(self, seconds: float) -> None:
        self.timer.setInterval(max(1, int(seconds * 1000)))

    def sync_now(self) -> bool:
        """Start a sync unless one is running; True when one was started."""
        if self.state.running:
            return False
        self.runs += 1
        self._set(replace(self.state, running=True))
        self.tasks.run(self._sync_and_read, on_done=self._finished, on_error=self._crashed,
                       owner=self)
        return True

    def refresh_counts(self) -> None:
        """Re-read pending and refused counts (after a local write), without syncing."""
        self.tasks.run(sync_overview, self.store, on_done=self._counted, owner=self)

    def _sync_and_read(self) -> tuple[SyncReport | None, BaseException | None, SyncOverview]:
        report: SyncReport | None = None
        failure: BaseException | None = None
        try:
            report = self.sync_function(self.store)
        except Exception as error:  # reported on the UI thread with the counts
            failure = error
        return report, failure, sync_overview(self.store)

    def _finished(self, outcome: Any) -> None:
        report, failure, overview = outcome
        now = datetime.now(UTC)
        if failure is None:
            self._set(SyncState(running=False, online=True, last_attempt=now, report=report,
                                overview=overview))
            return
        online, problem = _classify(failure)
        self._set(replace(self.state, running=False, online=online, problem=problem,
                          message=message_for(failure), last_attempt=now, overview=overview))

    def _crashed(self, error: BaseException) -> None:  # reading the counts failed
        self._set(replace(self.state, running=False, online=None, problem="error",
                          message=message_for(error), last_attempt=datetime.now(UTC)))

    def _counted(self, overview: SyncOverview) -> None:
        self._set(replace(self.state, overview=overview))

    def _set(self, state: SyncState) -> None:
        self.state = state
        self.changed.emit(state)
