"""Run a function in a child process that is stopped when its time is up, within a memory
limit.

pyoxigraph cannot cancel a query, and a thread cannot be killed: a query that sorts a
cross join would go on using a core and memory long after its caller gave up, and one that
recurses too deep or allocates without end takes its whole process down. A child process
can be killed, can be given an address-space limit (RLIMIT_AS), and can die alone, so
`kgtool query` and `kgtool serve` evaluate there. The child is forked, so it starts at
once with the store it reads and needs nothing sent to it but the answer sent back.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import resource
import signal
import traceback


QUICK = 0.25  # seconds after which work counts as long and yields the cores to quick work


class TimeLimit(Exception):
    """The work did not finish in time and was stopped."""


class WorkerDied(Exception):
    """The child ended without an answer: killed by a signal, or out of memory."""

    def __init__(self, exitcode: int | None, memory_mb: int | None):
        self.exitcode, self.memory_mb = exitcode, memory_mb
        super().__init__(self.reason())

    @property
    def out_of_memory(self) -> bool:
        """Rust aborts (SIGABRT) when an allocation fails under RLIMIT_AS."""
        return self.memory_mb is not None and self.exitcode in (-signal.SIGABRT, -signal.SIGKILL)

    def reason(self) -> str:
        if self.out_of_memory:
            return f"the query needed more than the memory limit ({self.memory_mb} MiB)"
        if self.exitcode is not None and self.exitcode < 0:
            return f"the worker process was ended by signal {signal.Signals(-self.exitcode).name}"
        return f"the worker process died (exit code {self.exitcode})"


class ChildTraceback(Exception):
    """The traceback of an exception raised in the child, kept as its cause."""


def call(function, timeout: float, memory_mb: int | None = None):
    """`function()` run in a child process: its return value, or its exception raised
    here; TimeLimit if it takes longer than `timeout` seconds (the child is killed);
    WorkerDied if the child ends without answering. With `memory_mb`, the child may grow
    its address space by that many MiB past what it inherits, and no more."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=work, args=(function, send, memory_mb), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(min(QUICK, timeout)):
            yield_to_quick_work(child.pid)
            if not receive.poll(max(timeout - QUICK, 0)):
                raise TimeLimit(f"stopped after {timeout:g} s")
        try:
            ok, value, child_traceback = receive.recv()
        except EOFError:
            child.join()
            raise WorkerDied(child.exitcode, memory_mb) from None
    finally:
        child.kill()
        child.join()
        receive.close()
    if ok:
        return value
    raise value from ChildTraceback(child_traceback)


def yield_to_quick_work(pid: int) -> None:
    """Lower the priority of a child that has run for QUICK seconds, so that the quick
    queries that arrive after it are not slowed down by it (a server's ASK {} among
    twenty cross joins)."""
    try:
        os.setpriority(os.PRIO_PROCESS, pid, 10)
    except OSError:  # it has just ended
        pass


def limit_memory(memory_mb: int) -> None:
    """Cap the address space at what the process has now plus `memory_mb` MiB."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    ceiling = pages * resource.getpagesize() + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))


def work(function, send, memory_mb: int | None) -> None:
    """In the child: send back (True, result, None) or (False, exception, its traceback)."""
    try:
        if memory_mb is not None:
            limit_memory(memory_mb)
        message = (True, function(), None)
    except MemoryError:
        message = (False, MemoryError(f"the query needed more than the memory limit ({memory_mb} MiB)"), "")
    except BaseException as error:  # everything goes back to the parent, which decides
        message = (False, error, "".join(traceback.format_exception(error)))
    try:
        send.send(message)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        send.send((False, RuntimeError(f"the worker's answer could not be sent back: {error}"), ""))
