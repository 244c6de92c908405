"""A first build reads the phrasings on two cores where forking is safe (knowledge/bulk.py): the index
is the same as one read in one process, a job whose process dies is done again, and an error in a job
is raised here."""

from __future__ import annotations

import gc
import multiprocessing
import os
import re
import time

import numpy as np
import pytest

from knowledge import bulk
from knowledge.matcher import _NOT_CACHED, FORK_PHRASINGS, Index


def state(index: Index) -> dict:
    return {k: v for k, v in vars(index).items() if k not in _NOT_CACHED}


def same(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return isinstance(b, np.ndarray) and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, list | tuple) and not isinstance(b, list | tuple):
        return False
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, re.Pattern):  # alternatives of one length come in set order, which differs by run
        return sorted(a.pattern.split("|")) == sorted(b.pattern.split("|"))
    if hasattr(a, "__dataclass_fields__"):
        return type(a) is type(b) and all(same(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__)
    return a == b


def test_the_shipped_faq_read_on_two_cores_is_the_index_read_in_one(faq_index, monkeypatch):
    assert sum(len(e.phrasings) for e in faq_index.entries) >= FORK_PHRASINGS  # so it is split
    pids = []
    split_map = bulk.split_map

    def watched(fn, jobs):
        pids.extend(split_map(lambda _: os.getpid(), jobs))
        return split_map(fn, jobs)

    monkeypatch.setattr(bulk, "split_map", watched)
    monkeypatch.setattr(bulk, "can_fork", lambda: True)
    forked = Index(faq_index.entries, faq_index.lexicon)
    assert len(pids) == 2 and pids[0] == os.getpid() != pids[1]  # the second half was read elsewhere
    monkeypatch.setattr(bulk, "can_fork", lambda: False)
    here = Index(faq_index.entries, faq_index.lexicon)
    a, b = state(forked), state(here)
    assert list(a) == list(b)
    assert [k for k in a if not same(a[k], b[k])] == []


def test_a_small_faq_is_read_in_one_process(faq_index):
    small = Index(faq_index.entries[:3], faq_index.lexicon)
    assert small._halves() == [range(3)]


def test_a_job_whose_process_dies_is_done_again_here(monkeypatch):
    monkeypatch.setattr(bulk, "can_fork", lambda: True)
    parent = os.getpid()

    def square(n: int) -> int:
        if os.getpid() != parent:
            os._exit(3)  # killed before it could answer
        return n * n

    assert bulk.split_map(square, [2, 3, 4]) == [4, 9, 16]


@pytest.fixture
def children(monkeypatch):
    """The processes split_map starts, forking allowed."""
    monkeypatch.setattr(bulk, "can_fork", lambda: True)
    started = []
    real_start = multiprocessing.process.BaseProcess.start

    def start(self):
        real_start(self)
        started.append(self)

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", start)
    return started


def test_a_job_that_does_not_answer_in_time_is_done_again_here_and_its_process_stopped(children):
    parent = os.getpid()

    def slow_elsewhere(n: int) -> int:
        if os.getpid() != parent:
            time.sleep(60)  # hung
        return n + 1

    t0 = time.monotonic()
    assert bulk.split_map(slow_elsewhere, [1, 2], wait=0.5) == [2, 3]
    assert time.monotonic() - t0 < 30
    assert len(children) == 1 and not children[0].is_alive()


def test_a_job_that_raises_here_leaves_no_process_behind(children):

    def fails_here(n: int) -> int:
        if n == 0:
            raise ValueError("the first job")
        time.sleep(60)
        return n

    with pytest.raises(ValueError):
        bulk.split_map(fails_here, [0, 1])
    assert len(children) == 1 and not children[0].is_alive()


def test_an_error_in_a_forked_job_is_raised_here(monkeypatch):
    monkeypatch.setattr(bulk, "can_fork", lambda: True)

    def reciprocal(n: int) -> float:
        return 1 / n

    assert bulk.split_map(reciprocal, [1, 2]) == [1.0, 0.5]
    with pytest.raises(ZeroDivisionError):
        bulk.split_map(reciprocal, [1, 0])


def test_forking_waits_for_a_second_core_and_a_single_thread(monkeypatch):
    monkeypatch.setattr(bulk, "cores", lambda: 1)
    assert not bulk.can_fork()
    assert bulk.split_map(lambda _: os.getpid(), [0, 1]) == [os.getpid()] * 2


def test_the_collector_is_paused_in_the_block_and_as_it_was_after():
    assert gc.isenabled()
    with bulk.collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with bulk.collector_paused():
            pass
        assert not gc.isenabled()  # a caller that paused it keeps it paused
    finally:
        gc.enable()
