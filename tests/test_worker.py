"""kgtool/query/worker.py: a function run in a child process that is killed when its time
is up, may not grow past its memory limit, and may die alone (docs/safety.md, "The SPARQL
endpoint and the pages"). Each test checks what the caller gets and that no child is left."""

from __future__ import annotations

import os
import signal
import time

import pytest

from kgtool.query.worker import ChildTraceback, TimeLimit, WorkerDied, call


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_the_answer_and_an_exception_of_the_child_come_back():
    assert call(lambda: ["rows"], timeout=30) == ["rows"]
    assert call(os.getpid, timeout=30) != os.getpid()
    with pytest.raises(ZeroDivisionError) as raised:
        call(lambda: 1 / 0, timeout=30)
    assert isinstance(raised.value.__cause__, ChildTraceback)
    assert "ZeroDivisionError" in str(raised.value.__cause__)


def test_work_past_its_time_is_stopped_and_its_process_killed(tmp_path):
    started = tmp_path / "pid"

    def endless():
        started.write_text(str(os.getpid()))
        while True:
            time.sleep(0.05)

    with pytest.raises(TimeLimit, match=r"stopped after 0\.5 s"):
        call(endless, timeout=0.5)
    assert gone(int(started.read_text()))


def test_a_child_killed_by_a_signal_or_exiting_is_reported_not_waited_for():
    with pytest.raises(WorkerDied) as died:
        call(lambda: os.kill(os.getpid(), signal.SIGKILL), timeout=30)
    assert died.value.exitcode == -signal.SIGKILL and not died.value.out_of_memory
    assert str(died.value) == "the worker process was ended by signal SIGKILL"
    with pytest.raises(WorkerDied, match=r"^the worker process died \(exit code 3\)$"):
        call(lambda: os._exit(3), timeout=30)
    with pytest.raises(WorkerDied, match=r"more than the memory limit \(64 MiB\)") as died:
        call(lambda: os.kill(os.getpid(), signal.SIGKILL), timeout=30, memory_mb=64)
    assert died.value.out_of_memory  # under a memory limit, SIGKILL counts as running out, as SIGABRT does


def test_an_allocation_past_the_memory_limit_fails_in_the_child_only():
    with pytest.raises(MemoryError, match=r"more than the memory limit \(64 MiB\)"):
        call(lambda: len(bytearray(256 * 2**20)), timeout=30, memory_mb=64)
    assert call(lambda: len(bytearray(256 * 2**20)), timeout=30) == 256 * 2**20  # the parent's own limit is untouched


def test_an_answer_that_cannot_be_sent_back_is_an_error_not_a_hang():
    with pytest.raises(RuntimeError, match="could not be sent back"):
        call(lambda: (lambda: None), timeout=30)
