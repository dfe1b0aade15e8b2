"""Run work off the UI thread and get its result back on the UI thread.

Every database call, sync or other slow job a screen starts goes through
:meth:`TaskRunner.run`: the function runs on a ``QThreadPool`` worker, and its result,
its error or its progress reports come back as queued signals, so the callbacks run on
the UI thread and may touch widgets. The window never waits for the work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from shared.domain.errors import MinimarketError
from shared.logging import get_logger

log = get_logger(__name__)

Callback = Callable[..., object]


class _TaskSignals(QObject):
    # (task, payload): the runner's slots find the task's callbacks by it.
    done = Signal(object, object)
    failed = Signal(object, object)
    progress = Signal(object, object)


class Task(QRunnable):
    """One call of ``function(*args, **kwargs)`` on a worker thread."""

    def __init__(self, function: Callable[..., Any], args: tuple[Any, ...],
                 kwargs: dict[str, Any], *, with_progress: bool) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the runner holds it until its result is delivered
        self.function, self.args, self.kwargs = function, args, kwargs
        self.with_progress = with_progress
        self.signals = _TaskSignals()
        self.finished = False

    def _report(self, *values: Any) -> None:
        self.signals.progress.emit(self, values)

    def run(self) -> None:
        kwargs = dict(self.kwargs)
        if self.with_progress:
            kwargs["progress"] = self._report
        try:
            result = self.function(*self.args, **kwargs)
        except Exception as error:
            if not isinstance(error, MinimarketError):
                log.exception("desktop.task_failed", function=getattr(
                    self.function, "__qualname__", repr(self.function)))
            self.signals.failed.emit(self, error)
        else:
            self.signals.done.emit(self, result)


class TaskRunner(QObject):
    """A small thread pool whose results are delivered on the UI thread."""

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 4) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._callbacks: dict[Task, tuple[QObject | None, Callback | None, Callback | None,
                                          Callback | None]] = {}

    def run(self, function: Callable[..., Any], *args: Any, on_done: Callback | None = None,
            on_error: Callback | None = None, on_progress: Callback | None = None,
            owner: QObject | None = None, **kwargs: Any) -> Task:
        """Start ``function(*args, **kwargs)`` on a worker; returns at once.

        ``on_done(result)`` or ``on_error(exception)`` then runs on the UI thread; with
        ``on_progress``, the function is also given ``progress=`` — a callable it may call
        from the worker with any values, delivered as ``on_progress(*values)``. When
        ``owner`` (a widget) has been deleted by then, the callbacks are skipped.
        """
        task = Task(function, args, kwargs, with_progress=on_progress is not None)
        self._callbacks[task] = (owner, on_done, on_error, on_progress)
        task.signals.done.connect(self._deliver_done)
        task.signals.failed.connect(self._deliver_error)
        task.signals.progress.connect(self._deliver_progress)
        self.pool.start(task)
        return task

    @property
    def active(self) -> int:
        """Tasks started whose result has not been delivered yet."""
        return len(self._callbacks)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the workers are idle (shutdown and tests); True when they are."""
        return bool(self.pool.waitForDone(msecs))

    def _callbacks_for(self, task: Task, finished: bool) -> tuple[Callback | None, ...] | None:
        entry = self._callbacks.pop(task, None) if finished else self._callbacks.get(task)
        if entry is None:
            return None
        owner = entry[0]
        if owner is not None and not shiboken6.isValid(owner):
            return None
        return entry[1:]

    @Slot(object, object)
    def _deliver_done(self, task: Task, result: object) -> None:
        task.finished = True
        callbacks = self._callbacks_for(task, finished=True)
        if callbacks is not None and callbacks[0] is not None:
            callbacks[0](result)

    @Slot(object, object)
    def _deliver_error(self, task: Task, error: object) -> None:
        task.finished = True
        callbacks = self._callbacks_for(task, finished=True)
        if callbacks is None:
            return
        if callbacks[1] is not None:
            callbacks[1](error)
        else:
            log.warning("desktop.task_error_unhandled", error=repr(error))

    @Slot(object, object)
    def _deliver_progress(self, task: Task, values: object) -> None:
        callbacks = self._callbacks_for(task, finished=False)
        if callbacks is not None and callbacks[2] is not None and isinstance(values, tuple):
            callbacks[2](*values)
