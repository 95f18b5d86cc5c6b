"""Run one job in a forked worker process while the caller does other work.

:func:`impact.api.run_analysis` uses it to compute the sensitivity tables on a second core
(``jobs=2``; the CLI's default on Linux) while the parent runs the Monte Carlo or, in the CLI,
writes the other sheets of the workbook.  The child is forked, so
it inherits the fitted model: nothing is re-imported, re-fitted or pickled on the way in.  Only the
result travels back, pickled through a pipe, with the warnings the job raised (re-issued in the
parent).  The numbers are the same as a serial run, bit for bit: the same code runs on the same
inputs.  If the child fails for any reason (an exception, a signal, an unpicklable result) the job
is run again in the parent, so errors surface exactly as in a serial run.

Fork is only used where it is safe and cheap: Linux, with the ``fork`` start method available.
"""
from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def can_fork() -> bool:
    """True where a job can run in a forked worker (Linux)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def available() -> bool:
    """True where a forked worker can help: Linux with more than one CPU."""
    return can_fork() and (os.cpu_count() or 1) > 1


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    import signal

    # Ctrl-C reaches the whole process group: the parent handles it (and this daemon child ends with it)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = fn(*args)
        conn.send(("ok", out, [(w.category, str(w.message)) for w in caught]))
    except BaseException as exc:  # reported, then redone in the parent
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}", []))
        except Exception:  # pragma: no cover - the pipe itself failed
            pass
    finally:
        conn.close()


class Background:
    """``fn(*args)`` started in a forked child; :meth:`result` waits for it.

    With ``enabled=False`` (or where :func:`available` is false) nothing is started and
    :meth:`result` simply calls ``fn(*args)``.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, enabled: bool = True) -> None:
        self.fn, self.args = fn, args
        self.proc: Any = None
        self.conn: Any = None
        if not (enabled and available()):
            return
        # Objects made so far are shared with the child; the collector writing to them would copy
        # their pages in both processes (the gc.freeze recipe for fork in the Python docs).
        self._unfreeze = gc.get_freeze_count() == 0
        gc.freeze()
        ctx = multiprocessing.get_context("fork")
        reader, writer = ctx.Pipe(duplex=False)
        try:
            with warnings.catch_warnings():
                # Python >= 3.12 warns about forking a process that has (BLAS) threads; the child only
                # runs numpy code and OpenBLAS re-creates its threads after a fork.
                warnings.simplefilter("ignore", DeprecationWarning)
                proc = ctx.Process(target=_child, args=(writer, fn, args), daemon=True)
                proc.start()
        except OSError as exc:  # e.g. no more processes: run it in the parent instead
            log.debug("could not start a worker process (%s); running in this process", exc)
            reader.close()
            writer.close()
            if self._unfreeze:
                gc.unfreeze()
            return
        writer.close()
        self.proc, self.conn = proc, reader

    @property
    def parallel(self) -> bool:
        return self.proc is not None

    def result(self) -> Any:
        if self.proc is None:
            return self.fn(*self.args)
        try:
            status, out, caught = self.conn.recv()
        except (EOFError, OSError):
            status, out, caught = "error", "worker process ended without a result", []
        finally:
            self.conn.close()
            self.proc.join()
            if self._unfreeze:
                gc.unfreeze()
        if status != "ok":
            log.debug("worker process failed (%s); running the job in this process", out)
            return self.fn(*self.args)
        for category, message in caught:
            warnings.warn(message, category, stacklevel=2)
        return out
