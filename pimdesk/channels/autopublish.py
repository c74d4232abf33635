"""Auto-publish: republish the waiting listings of ``auto_publish`` channels by themselves.

An :class:`AutoPublisher` listens to the library's change events (ingest, values, import,
approval, rights, links). A burst of changes is gathered for a short debounce, then every
auto-publish channel publishes in ``changed`` mode on a background thread; the per-channel
listing cache means only the changed products' listings (and renditions) are rebuilt. It
also publishes what is waiting when it starts, runs the rights-expiry check then and
every hour, so an expired photo leaves
the channels without anyone touching the catalog.

Events only reach listeners in the process that made the change, so the publisher also polls
a cheap signature of the catalog (:func:`pimdesk.channels.tracking.change_signature`, one
indexed scan plus a digest of the channel, family and category rows) every couple of
seconds: an edit made with the CLI in another terminal, or on another machine of a team
library, is published too, and so is a channel setting changed there (auto-publish turned
on, a field mapped elsewhere).

The watcher (``pimdesk watch``) and the GUI each own one; nothing here imports Qt, and the
GUI forwards :attr:`AutoPublisher.on_report` to its own thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pimdesk.errors import PimdeskError
from pimdesk.events import Change

if TYPE_CHECKING:
    from pimdesk.channels.tracking import Signature
    from pimdesk.library import Library
    from pimdesk.services.publishing import PublishReport

log = logging.getLogger(__name__)

TRIGGER_KINDS = frozenset({"ingest", "values", "import", "approval", "rights", "links", "channel"})
DEFAULT_DEBOUNCE = 0.15  # seconds of quiet before publishing a burst of changes
EXPIRY_INTERVAL = 3600.0
POLL_INTERVAL = 2.0  # seconds between looks for changes committed by other processes


@dataclass
class AutoPublishStats:
    """What the auto-publisher did (for the GUI's status line and the tests)."""

    runs: int = 0
    last_reports: dict[str, PublishReport] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


class AutoPublisher:
    """Debounced background publishing for one open library. ``start()`` / ``stop()``."""

    def __init__(
        self,
        library: Library,
        *,
        debounce: float = DEFAULT_DEBOUNCE,
        expiry_interval: float = EXPIRY_INTERVAL,
        poll_interval: float = POLL_INTERVAL,
        on_report: Callable[[PublishReport], None] | None = None,
        on_error: Callable[[str, str], None] | None = None,
    ):
        self.library = library
        self.debounce = debounce
        self.expiry_interval = expiry_interval
        self.poll_interval = poll_interval
        self.on_report = on_report
        self.on_error = on_error
        self.stats = AutoPublishStats()
        self._cond = threading.Condition()
        self._pending = False
        self._last_change = 0.0
        self._busy = False
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._next_expiry = 0.0
        self._next_poll = 0.0
        self._seen_signature: Signature | None = None

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping = False
        self._unsubscribe = self.library.events.subscribe(self._on_change)
        self._next_expiry = 0.0  # check at start
        with self._cond:  # and catch up with whatever changed while nobody was watching
            self._pending = True
            self._last_change = 0.0
        self._thread = threading.Thread(target=self._run, name="pimdesk-autopublish", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
            from pimdesk.services.publishing import save_listing_caches

            save_listing_caches(self.library)  # so the next CLI publish starts warm

    def __enter__(self) -> AutoPublisher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- events --------------------------------------------------------------------------

    def _on_change(self, change: Change) -> None:
        if change.kind not in TRIGGER_KINDS:
            return
        with self._cond:
            self._pending = True
            self._last_change = time.monotonic()
            self._cond.notify_all()

    def poke(self) -> None:
        """Publish waiting listings soon, as if a change had landed."""
        self._on_change(Change("values", detail="poke"))

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until nothing is pending or running (tests, clean shutdown)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))
        return True

    # -- the worker thread ---------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping:
                    now = time.monotonic()
                    if now >= self._next_expiry or now >= self._next_poll:
                        break
                    if self._pending and now - self._last_change >= self.debounce:
                        break
                    wait = min(self._next_expiry, self._next_poll) - now
                    if self._pending:
                        wait = min(wait, self.debounce - (now - self._last_change))
                    self._cond.wait(max(0.005, wait))
                if self._stopping:
                    return
                now = time.monotonic()
                do_expiry = now >= self._next_expiry
                do_publish = (
                    self._pending and now - self._last_change >= self.debounce and not do_expiry
                )
                do_poll = now >= self._next_poll and not (do_expiry or do_publish)
                if do_publish:
                    self._pending = False
                self._busy = True
            try:
                if do_expiry:
                    self._next_expiry = time.monotonic() + self.expiry_interval
                    self._check_expiry()  # emits a "rights" change when it touched products
                if do_publish:
                    self._publish_all()
                if do_poll:
                    self._next_poll = time.monotonic() + self.poll_interval
                    self._poll_other_processes()
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _check_expiry(self) -> None:
        from pimdesk.services.publishing import check_rights_expiry

        try:
            check_rights_expiry(self.library)
        except Exception as exc:  # keep running: the next hour tries again
            self._error("rights expiry check", exc)

    def _signature(self) -> Signature | None:
        from pimdesk.channels.tracking import change_signature

        try:
            with self.library.session() as session:
                return change_signature(session)
        except Exception as exc:  # a busy or unreachable catalog: look again next time
            log.warning("auto-publish could not read the catalog: %s", exc)
            return None

    def _poll_other_processes(self) -> None:
        """Publish when the catalog changed without an event reaching this process."""
        signature = self._signature()
        if signature is None:
            return
        seen, self._seen_signature = self._seen_signature, signature
        if seen is not None and signature != seen:
            self._on_change(Change("values", detail="changed by another process"))

    def _publish_all(self) -> None:
        from pimdesk.services.publishing import auto_publish_channels, publish_channel

        # What this run will see; a later difference is a change it has not published.
        self._seen_signature = self._signature() or self._seen_signature
        try:
            codes = auto_publish_channels(self.library)
        except Exception as exc:
            self._error("auto-publish", exc)
            return

        def one(code: str) -> None:
            try:
                report = publish_channel(
                    self.library, code, mode="changed", run_mode="auto", persist_cache=False
                )
            except Exception as exc:  # one channel's failure must not stop the others
                self._error(code, exc)
                return
            with self._cond:
                self.stats.runs += 1
                self.stats.last_reports[code] = report
            if self.on_report is not None:
                try:
                    self.on_report(report)
                except Exception:
                    log.exception("auto-publish report listener failed")

        if len(codes) <= 1:
            for code in codes:
                one(code)
            return
        # channels publish side by side: Pillow and file writes release the GIL, so the
        # second channel's rendition is made while the first channel writes its feed
        with ThreadPoolExecutor(max_workers=min(len(codes), 4)) as pool:
            list(pool.map(one, codes))

    def _error(self, what: str, exc: Exception) -> None:
        message = str(exc) if isinstance(exc, PimdeskError) else f"{type(exc).__name__}: {exc}"
        self.stats.errors.append(f"{what}: {message}")
        if isinstance(exc, PimdeskError):
            log.warning("auto-publish %s: %s", what, message)
        else:
            log.error("auto-publish %s failed", what, exc_info=exc)
        if self.on_error is not None:
            try:
                self.on_error(what, message)
            except Exception:
                log.exception("auto-publish error listener failed")
