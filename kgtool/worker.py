"""Run a function in a child process that is stopped when its time is up.

pyoxigraph cannot cancel a query, and a thread cannot be killed: a query that sorts a
cross join would go on using a core and memory long after its caller gave up. A child
process can be killed, so `kgtool query` evaluates there and waits `timeout` seconds at
most. The child is forked, so it starts at once and needs nothing sent to it but the
answer sent back.
"""

from __future__ import annotations

import multiprocessing
import pickle
import traceback


class TimeLimit(Exception):
    """The work did not finish in time and was stopped."""


class ChildTraceback(Exception):
    """The traceback of an exception raised in the child, kept as its cause."""


def call(function, timeout: float):
    """`function()` run in a child process: its return value, or its exception raised
    here; TimeLimit if it takes longer than `timeout` seconds (the child is killed)."""
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=work, args=(function, send), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            raise TimeLimit(f"stopped after {timeout:g} s")
        try:
            ok, value, child_traceback = receive.recv()
        except EOFError:
            child.join()
            raise RuntimeError(f"the worker process died (exit code {child.exitcode})") from None
    finally:
        child.kill()
        child.join()
        receive.close()
    if ok:
        return value
    raise value from ChildTraceback(child_traceback)


def work(function, send) -> None:
    """In the child: send back (True, result, None) or (False, exception, its traceback)."""
    try:
        message = (True, function(), None)
    except BaseException as error:  # everything goes back to the parent, which decides
        message = (False, error, "".join(traceback.format_exception(error)))
    try:
        send.send(message)
    except (pickle.PicklingError, TypeError, AttributeError) as error:
        send.send((False, RuntimeError(f"the worker's answer could not be sent back: {error}"), ""))
