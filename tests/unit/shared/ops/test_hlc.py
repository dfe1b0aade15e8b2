import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.domain.errors import ClockDriftError
from shared.ops.hlc import COUNTER_MASK, HybridLogicalClock, millis_of, pack, unpack


class FakeWall:
    def __init__(self, now: int) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def test_readings_strictly_increase_when_the_wall_clock_stands_still_or_goes_back():
    wall = FakeWall(1_000_000)
    clock = HybridLogicalClock(wall=wall)
    first = clock.now()
    second = clock.now()
    wall.now -= 5_000  # the PC's clock was set back
    third = clock.now()
    assert first < second < third
    assert millis_of(third) == 1_000_000


def test_reading_follows_wall_time_when_it_moves_forward():
    wall = FakeWall(1_000_000)
    clock = HybridLogicalClock(wall=wall)
    clock.now()
    wall.now = 2_000_000
    assert unpack(clock.now()) == (2_000_000, 0)


def test_observing_a_remote_reading_moves_past_it():
    wall = FakeWall(1_000_000)
    clock = HybridLogicalClock(wall=wall)
    remote = pack(1_000_500, 7)
    observed = clock.observe(remote)
    assert observed > remote
    assert clock.now() > observed


def test_a_remote_clock_far_ahead_is_refused_and_leaves_ours_alone():
    wall = FakeWall(1_000_000)
    clock = HybridLogicalClock(wall=wall, max_forward_ms=60_000)
    before = clock.now()
    with pytest.raises(ClockDriftError):
        clock.observe(pack(1_000_000 + 61_000, 0))
    assert clock.last == before


def test_counter_overflow_borrows_the_next_millisecond():
    clock = HybridLogicalClock(last=pack(5, COUNTER_MASK), wall=FakeWall(5))
    assert unpack(clock.now()) == (6, 0)


@given(st.lists(st.one_of(
    st.tuples(st.just("tick"), st.integers(0, 10_000)),
    st.tuples(st.just("observe"), st.integers(0, 10_000 << 16)),
), max_size=60))
def test_every_reading_is_greater_than_all_before_it(events):
    wall = FakeWall(0)
    clock = HybridLogicalClock(wall=wall, max_forward_ms=10**9)
    seen = 0
    for action, value in events:
        if action == "tick":
            wall.now = value
            reading = clock.now()
        else:
            reading = clock.observe(value)
            assert reading > value
        assert reading > seen
        seen = reading
