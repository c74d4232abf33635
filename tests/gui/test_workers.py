"""Workers deliver results and errors on the UI thread; writes run one at a time, in order."""

from __future__ import annotations

import os
import threading

import pytest
from PySide6.QtCore import QThread

from pimdesk.errors import NotFoundError
from pimdesk.gui.workers import Workers


@pytest.fixture
def workers(qtbot) -> Workers:
    w = Workers()
    yield w
    w.wait()


def test_result_arrives_on_the_ui_thread(qtbot, workers: Workers) -> None:
    seen: dict[str, object] = {}
    main = QThread.currentThread()

    def work(a: int, b: int) -> int:
        seen["worker_thread"] = threading.current_thread().name
        return a + b

    def on_result(value: int) -> None:
        seen["value"] = value
        seen["on_ui_thread"] = QThread.currentThread() is main

    with qtbot.waitSignal(workers.job_finished, timeout=5000):
        workers.run(work, 2, b=3, on_result=on_result)
    assert seen["value"] == 5
    assert seen["on_ui_thread"] is True
    assert seen["worker_thread"] != threading.main_thread().name


def test_error_is_delivered_not_lost(qtbot, workers: Workers) -> None:
    def fails() -> None:
        raise NotFoundError("no product with this SKU", where="SKU X-1")

    errors: list[BaseException] = []
    with qtbot.waitSignal(workers.job_failed, timeout=5000) as blocker:
        workers.run(fails, on_error=errors.append)
    assert isinstance(blocker.args[1], NotFoundError)
    qtbot.waitUntil(lambda: bool(errors))
    assert errors[0].where == "SKU X-1"


def test_error_without_handler_goes_to_the_default_handler(qtbot) -> None:
    caught: list[BaseException] = []
    workers = Workers(default_error=caught.append)
    with qtbot.waitSignal(workers.job_failed, timeout=5000):
        workers.run(lambda: 1 / 0)
    qtbot.waitUntil(lambda: bool(caught))
    assert isinstance(caught[0], ZeroDivisionError)
    workers.wait()


def test_progress_and_cancel_reach_the_function(qtbot, workers: Workers) -> None:
    gate = threading.Event()

    def long_work(progress, cancel) -> str:
        for done in range(1, 1000):
            progress(done, 1000)
            if done == 3:
                gate.wait(5)
            if cancel.cancelled:
                return f"cancelled at {done}"
        return "finished"

    steps: list[tuple[int, int]] = []
    results: list[str] = []
    job = workers.run(
        long_work,
        progress=True,
        cancellable=True,
        on_progress=lambda d, t: steps.append((d, t)),
        on_result=results.append,
    )
    qtbot.waitUntil(lambda: len(steps) >= 3)
    with qtbot.waitSignal(workers.job_finished, timeout=5000):
        job.cancel()
        gate.set()
    assert results[0].startswith("cancelled at")
    assert steps[0] == (1, 1000)


def test_writes_run_one_at_a_time_in_order(qtbot, workers: Workers) -> None:
    order: list[int] = []
    active = []
    overlaps: list[bool] = []
    lock = threading.Lock()

    def write(n: int) -> int:
        with lock:
            active.append(n)
            overlaps.append(len(active) > 1)
        order.append(n)
        with lock:
            active.remove(n)
        return n

    done: list[int] = []
    for n in range(20):
        workers.run(write, n, write=True, on_result=done.append)
    qtbot.waitUntil(lambda: len(done) == 20, timeout=5000)
    assert order == list(range(20))
    assert not any(overlaps)


def test_reads_run_in_the_read_process_once_it_is_ready(qtbot, library) -> None:
    import functools

    from pimdesk.gui import catalog_source
    from pimdesk.services import products

    products.create_product(library, "P-1", values={"name-en_US": "One"})
    workers = Workers()
    workers.use_processes = True
    try:
        fetch = functools.partial(catalog_source.product_page, library)
        pages: list[object] = []
        with qtbot.waitSignal(workers.job_finished, timeout=10000):
            workers.fetch(fetch, None, 10, False, on_result=pages.append)  # a thread, at once
        qtbot.waitUntil(lambda: workers.processes_ready, timeout=60000)
        with qtbot.waitSignal(workers.job_finished, timeout=30000):
            workers.fetch(fetch, None, 10, False, on_result=pages.append)  # the read process
        assert [r.sku for r in pages[0].rows] == [r.sku for r in pages[1].rows] == ["P-1"]

        def broken(_library, after, limit, descending):
            raise ValueError("bad page")

        errors: list[BaseException] = []
        with qtbot.waitSignal(workers.job_failed, timeout=10000):
            workers.read(broken, library, None, 1, False, on_error=errors.append)
        qtbot.waitUntil(lambda: bool(errors))
        assert "bad page" in str(errors[0])
    finally:
        workers.shutdown()


def test_the_window_asks_background_processes_to_yield_the_cpu(qtbot, monkeypatch) -> None:
    from pimdesk.subprocesses import NICE_VARIABLE

    monkeypatch.delenv(NICE_VARIABLE, raising=False)
    Workers().wait()
    assert int(os.environ[NICE_VARIABLE]) > 0
