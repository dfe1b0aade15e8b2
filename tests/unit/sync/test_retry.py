import threading
import time

from sync.retry import RetryTimer


def test_a_failed_sync_is_retried_without_a_new_write():
    calls = []
    done = threading.Event()

    def flaky():
        calls.append(time.monotonic())
        if len(calls) < 3:
            raise ConnectionError("server down")
        done.set()

    timer = RetryTimer(flaky, interval=60, first_retry=0.05, max_delay=1)
    timer.start()
    assert done.wait(5), "the retries never came"
    timer.stop()
    assert len(calls) == 3 and timer.failures == 0
    assert calls[2] - calls[1] >= calls[1] - calls[0] >= 0.04  # backing off


def test_backoff_grows_to_a_ceiling_and_poke_runs_at_once():
    timer = RetryTimer(lambda: None, interval=60, first_retry=2, max_delay=30)
    timer.failures = 1
    assert timer.next_delay() == 2
    timer.failures = 4
    assert timer.next_delay() == 16
    timer.failures = 10
    assert timer.next_delay() == 30
    runs = []
    ran_twice = threading.Event()

    def record():
        runs.append(1)
        if len(runs) == 2:
            ran_twice.set()

    poked = RetryTimer(record, interval=60)
    poked.start()
    time.sleep(0.05)
    poked.poke()
    assert ran_twice.wait(2)
    poked.stop()
