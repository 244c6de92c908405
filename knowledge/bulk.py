"""Building many small objects at once, as the first start after installing or changing the FAQ does
when it reads every phrasing (jieba, pinyin, features) and every later start when it loads the built
index: the garbage collector paused meanwhile, and the reading shared with forked processes where that
is safe.

The collector would walk the young objects again and again while nothing is garbage yet (about a fifth
of a build). A forked job's result comes back pickled through a pipe; a job whose process fails is done
again here, so an error is raised where it would have been without the split, and the results are the
same either way.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

WAIT = 60.0  # seconds a forked job may take after this process's own is done
J = TypeVar("J")
R = TypeVar("R")


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection inside the block (what it leaves is collected as usual afterwards)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Forking is safe and useful: POSIX, one thread (a fork copies no other thread, and any lock one of
    them held stays locked in the copy), and more than one core."""
    return ("fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
            and cores() > 1)


def split_map(fn: Callable[[J], R], jobs: Sequence[J], wait: float = WAIT) -> list[R]:
    """[fn(job) for job in jobs]: the first job in this process and each other one in a forked process
    when `can_fork()`, else all of them here, in order. A forked job that fails, dies or has not answered
    WAIT seconds after this process finished its own is done again here."""
    if len(jobs) < 2 or not can_fork():
        return [fn(job) for job in jobs]
    context = multiprocessing.get_context("fork")
    started = []
    try:
        for job in jobs[1:]:
            here, there = context.Pipe(duplex=False)
            process = context.Process(target=_child, args=(fn, job, there), daemon=True)
            started.append((process, here, job))
            process.start()
            there.close()
        results = [fn(jobs[0])]
        for _process, here, job in started:
            done, value = False, None
            try:
                if here.poll(wait):
                    done, value = here.recv()
            except EOFError:  # the process died (killed, out of memory) before it sent its result
                pass
            results.append(value if done else fn(job))
        return results
    finally:  # nothing is left behind, whatever happened here (a job that raised, an interrupt)
        for process, here, _ in started:
            if process.is_alive():
                process.kill()
            if process.pid is not None:
                process.join()
            here.close()


def _child(fn: Callable, job: object, conn) -> None:
    try:
        result = (True, fn(job))
    except BaseException:  # the parent does the job again and raises the error itself
        result = (False, None)
    conn.send(result)
    conn.close()
