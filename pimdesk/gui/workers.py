"""Run plain functions off the UI thread and get their result OR their error back on it.

Every long piece of work in the window (a page of products, a thumbnail batch, a publish)
goes through :class:`Workers`. A job runs a plain function (a service call) in a thread
pool; its outcome comes back as a Qt signal delivered on the UI thread, so the screens only
ever touch widgets from the UI thread. No exception is lost: a job without an error handler
reports to the application's error handler.

Reads share a small pool; writes go through a single-thread pool so that they reach the
catalog one at a time and in the order the user made them. Pass ids, not ORM objects: each
service call opens its own session.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from pimdesk.channels.api import CancelToken
from pimdesk.subprocesses import NICE_VARIABLE

log = logging.getLogger(__name__)

ResultHandler = Callable[[Any], None]
ErrorHandler = Callable[[BaseException], None]
ProgressHandler = Callable[[int, int], None]


class JobSignals(QObject):
    """Lives on the UI thread; the worker thread emits, Qt queues the calls over."""

    result = Signal(object)
    error = Signal(object)
    progress = Signal(int, int)
    finished = Signal()


class Job(QRunnable):
    """One call of ``fn(*args, **kwargs)``; see :meth:`Workers.run`."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]):
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.signals = JobSignals()
        self.cancel_token = CancelToken()

    def report_progress(self, done: int, total: int) -> None:
        """Pass this as a service's ``progress`` callback; safe from any thread."""
        self.signals.progress.emit(int(done), int(total))

    def cancel(self) -> None:
        self.cancel_token.cancel()

    @property
    def cancelled(self) -> bool:
        return self.cancel_token.cancelled

    def run(self) -> None:
        try:
            result = self.fn(*self.args, **self.kwargs)
        except BaseException as exc:  # delivered to the UI thread, never swallowed
            if not isinstance(exc, Exception):
                log.error("job %s stopped: %r", _name(self.fn), exc)
            self.signals.error.emit(exc)
        else:
            self.signals.result.emit(result)
        finally:
            self.signals.finished.emit()


# Added to the niceness of the ingest and rendition worker *processes* (not of threads here:
# a thread of this process that is descheduled while it holds the GIL stalls the UI thread).
BACKGROUND_NICENESS = 10


class Workers(QObject):
    """The window's thread pools: many readers, one writer.

    :attr:`job_finished` and :attr:`job_failed` report every job on the UI thread (for the
    status bar and for tests, which cannot connect to a job's own signals before it runs).
    """

    job_finished = Signal(object)  # Job
    job_failed = Signal(object, object)  # Job, exception

    def __init__(self, default_error: ErrorHandler | None = None, parent: QObject | None = None):
        super().__init__(parent)
        from pimdesk.gui.compat import protect_bool_refcounts

        protect_bool_refcounts()  # see gui/compat.py: jobs emit signals all the time
        self.read_pool = QThreadPool(self)
        self.read_pool.setMaxThreadCount(3)
        self.write_pool = QThreadPool(self)
        self.write_pool.setMaxThreadCount(1)
        self.default_error = default_error
        # the CPU-heavy worker processes of ingest and renditions yield the CPU to the window
        os.environ.setdefault(NICE_VARIABLE, str(BACKGROUND_NICENESS))
        self._running: set[Job] = set()
        self._processes: Any = None  # the read process pool, started on first use
        # PIMDESK_GUI_READ_PROCESS=0 keeps every read in threads (the GUI tests do)
        self.use_processes = os.environ.get("PIMDESK_GUI_READ_PROCESS", "1") != "0"
        self.processes_ready = False  # until then reads run in threads (no start-up wait)

    def _process_pool(self, root: str) -> Any:
        """The read process, started (and its library opened) in the background; reads use
        it once it is ready, so the first page never waits for a process to start."""
        if self._processes is None:
            from concurrent.futures import ProcessPoolExecutor

            from pimdesk.gui import readers
            from pimdesk.subprocesses import forkserver_context

            context = forkserver_context()
            self._processes = ProcessPoolExecutor(
                max_workers=1,
                mp_context=context,
                initializer=readers.follow_window,
                initargs=(os.getpid(),),
            )
            warm = self._processes.submit(readers.warm, root)
            warm.add_done_callback(self._warmed)
        return self._processes

    def _warmed(self, future: Any) -> None:
        if future.cancelled() or future.exception() is not None:
            log.warning("the read process did not start; reads stay in threads")
            self.use_processes = False
        else:
            self.processes_ready = True

    def read(
        self,
        fn: Callable[..., Any],
        library: Any,
        *args: Any,
        on_result: ResultHandler | None = None,
        on_error: ErrorHandler | None = None,
        on_finished: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> Job:
        """Run the read ``fn(library, *args, **kwargs)`` in the read process when it can be
        named (a module-level function), else in a thread. Same signals as :meth:`run`."""
        import functools

        if isinstance(fn, functools.partial):
            bound = fn.args[1:] if fn.args and fn.args[0] is library else fn.args
            args = (*bound, *args)
            kwargs = {**fn.keywords, **kwargs}
            fn = fn.func
        root = getattr(library, "root", None)
        named = "<" not in getattr(fn, "__qualname__", "<")
        handlers = {"on_result": on_result, "on_error": on_error, "on_finished": on_finished}
        if not (self.use_processes and self.processes_ready and named and root is not None):
            if self.use_processes and root is not None and self._processes is None:
                # started once this read has answered: on a busy machine a process booting
                # beside it would take the CPU the window's first page needs
                handlers["on_finished"] = self._then_start_process(str(root), on_finished)
            return self.run(fn, library, *args, **handlers, **kwargs)

        return self.run(
            self._in_process,
            str(root),
            f"{fn.__module__}:{fn.__qualname__}",
            args,
            kwargs,
            **handlers,
        )

    def fetch(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_result: ResultHandler | None = None,
        on_error: ErrorHandler | None = None,
    ) -> Job:
        """A model's page read: ``fn`` is a ``functools.partial`` bound to a library (read in
        the read process), or any callable (read in a thread)."""
        import functools

        if isinstance(fn, functools.partial) and fn.args and hasattr(fn.args[0], "root"):
            return self.read(fn, fn.args[0], *args, on_result=on_result, on_error=on_error)
        return self.run(fn, *args, on_result=on_result, on_error=on_error)

    def _then_start_process(
        self, root: str, on_finished: Callable[[], None] | None
    ) -> Callable[[], None]:
        def finished() -> None:
            if on_finished is not None:
                on_finished()
            if self.use_processes:
                self._process_pool(root)

        return finished

    def _in_process(
        self, root: str, function: str, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        from pimdesk.gui import readers

        future = self._process_pool(root).submit(readers.call, root, function, args, kwargs)
        return future.result()

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        on_result: ResultHandler | None = None,
        on_error: ErrorHandler | None = None,
        on_progress: ProgressHandler | None = None,
        on_finished: Callable[[], None] | None = None,
        write: bool = False,
        progress: bool = False,
        cancellable: bool = False,
        **kwargs: Any,
    ) -> Job:
        """Run ``fn`` in the background and deliver its outcome on the UI thread.

        ``progress=True`` passes ``progress=job.report_progress`` to ``fn``;
        ``cancellable=True`` passes ``cancel=job.cancel_token`` (a
        :class:`pimdesk.channels.api.CancelToken`). ``write=True`` queues the job behind
        every earlier write.
        """
        job = Job(fn, args, kwargs)
        if progress:
            kwargs["progress"] = job.report_progress
        if cancellable:
            kwargs["cancel"] = job.cancel_token
        if on_result is not None:
            job.signals.result.connect(_tolerant(on_result))
        job.signals.error.connect(_tolerant(on_error) if on_error is not None else self._unhandled)
        if on_progress is not None:
            job.signals.progress.connect(_tolerant(on_progress))
        if on_finished is not None:
            job.signals.finished.connect(_tolerant(on_finished))
        job.signals.error.connect(_tolerant(lambda exc: self.job_failed.emit(job, exc)))
        job.signals.finished.connect(_tolerant(lambda: self._done(job)))
        self._running.add(job)
        (self.write_pool if write else self.read_pool).start(job)
        return job

    def _done(self, job: Job) -> None:
        self._running.discard(job)
        self.job_finished.emit(job)

    def _unhandled(self, exc: BaseException) -> None:
        if self.default_error is not None:
            self.default_error(exc)
        else:
            log.error("background job failed: %s", exc, exc_info=exc)

    @property
    def busy(self) -> bool:
        return bool(self._running)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until both pools are idle (closing the window, tests of the UI thread)."""
        ok_write = self.write_pool.waitForDone(msecs)
        ok_read = self.read_pool.waitForDone(msecs)
        return ok_write and ok_read

    def shutdown(self) -> None:
        self.wait()
        if self._processes is not None:
            self._processes.shutdown(wait=True, cancel_futures=True)
            self._processes = None


def _tolerant(handler: Callable[..., Any]) -> Callable[..., Any]:
    """The handler, quietly skipped when the widget it belongs to was closed meanwhile.

    A job outlives the screen that started it (the user moved on, a dialog closed); its
    answer is then simply not needed. Every other error raised by a handler goes on up.
    """

    def call(*args: Any) -> None:
        try:
            handler(*args)
        except RuntimeError as exc:
            if "deleted" not in str(exc):
                raise
            log.debug("dropped the answer of a job for a closed widget: %s", exc)

    return call


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)
