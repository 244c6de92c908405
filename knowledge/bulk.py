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


def split_map(fn: Callable[[J], R], jobs: Sequence[J]) -> list[R]:
    """[fn(job) for job in jobs]: the first job in this process and each other one in a forked process
    when `can_fork()`, else all of them here, in order."""
    if len(jobs) < 2 or not can_fork():
        return [fn(job) for job in jobs]
    context = multiprocessing.get_context("fork")
    started = []
    for job in jobs[1:]:
        here, there = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(fn, job, there), daemon=True)
        process.start()
        there.close()
        started.append((process, here, job))
    results = [fn(jobs[0])]
    for process, here, job in started:
        try:
            done, value = here.recv()
        except EOFError:  # the process died (killed, out of memory) before it sent its result
            done, value = False, None
        finally:
            here.close()
            process.join()
        results.append(value if done else fn(job))
    return results


def _child(fn: Callable, job: object, conn) -> None:
    try:
        result = (True, fn(job))
    except BaseException:  # the parent does the job again and raises the error itself
        result = (False, None)
    conn.send(result)
    conn.close()
