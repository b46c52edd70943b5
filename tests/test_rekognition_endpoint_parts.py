"""The endpoint's small parts on their own: the lock that lets searches share a collection
while a change waits its turn, and the per-key token bucket."""

import threading
import time

from leadreview.endpoint.collections import ReadWriteLock
from leadreview.endpoint.throttle import RateLimiter


def test_a_waiting_writer_holds_new_readers_back() -> None:
    lock = ReadWriteLock()
    order: list[str] = []
    first_reader_in = threading.Event()
    release_first = threading.Event()

    def long_read() -> None:
        with lock.reading():
            first_reader_in.set()
            release_first.wait(5)
            order.append("read-1")

    def write() -> None:
        with lock.writing():
            order.append("write")

    def late_read() -> None:
        with lock.reading():
            order.append("read-2")

    threads = [threading.Thread(target=long_read)]
    threads[0].start()
    assert first_reader_in.wait(5)
    threads.append(threading.Thread(target=write))
    threads[1].start()
    time.sleep(0.1)  # the writer is now waiting for the first reader
    threads.append(threading.Thread(target=late_read))
    threads[2].start()
    time.sleep(0.1)
    assert order == []  # the late reader did not slip past the waiting writer
    release_first.set()
    for thread in threads:
        thread.join(5)
    assert order == ["read-1", "write", "read-2"]


def test_readers_share_the_lock() -> None:
    lock = ReadWriteLock()
    inside = threading.Barrier(3, timeout=5)

    def read() -> None:
        with lock.reading():
            inside.wait()  # all three inside at once, or the barrier times out

    threads = [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert not inside.broken


def test_each_key_has_its_own_bucket_refilled_at_the_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(2.0, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    assert limiter.allow("b")  # another key is not throttled by the first
    now[0] += 0.5  # half a second at 2/s: one request's worth
    assert limiter.allow("a")
    assert not limiter.allow("a")
