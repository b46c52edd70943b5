"""Play time between two moments leaves out every pause that overlaps them: the time a
decision took is never charged with the minutes the facilitator had the clock stopped."""

from datetime import UTC, datetime, timedelta

import pytest

from leadreview.exercise.pausing import ExerciseClock, play_seconds

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("pauses", "since", "until", "expected_minutes"),
    [
        ((), 0, 10, 10),  # no pause: the wall time
        (((at(2), at(5)),), 0, 10, 7),  # a pause inside
        (((at(2), at(5)), (at(6), at(7))), 0, 10, 6),  # two pauses inside
        (((at(-3), at(1)),), 0, 10, 9),  # began before, ended inside
        (((at(8), at(20)),), 0, 10, 8),  # began inside, ended after
        (((at(-5), at(20)),), 0, 10, 0),  # covers the whole span
        (((at(11), at(12)),), 0, 10, 10),  # after the span: nothing to take
        (((at(-4), at(-1)),), 0, 10, 10),  # before the span: nothing to take
        (((at(4), None),), 0, 10, 4),  # still paused: up to the end of the span
        ((), 10, 4, 0),  # a span backwards is no time, never negative
    ],
)
def test_play_seconds_leave_out_the_pauses(
    pauses: tuple[tuple[datetime, datetime | None], ...],
    since: float,
    until: float,
    expected_minutes: float,
) -> None:
    assert play_seconds(at(since), at(until), pauses) == pytest.approx(expected_minutes * 60)


def test_the_clock_times_with_its_own_pauses() -> None:
    clock = ExerciseClock(
        started_at=T0,
        paused_since=None,
        paused_before=timedelta(minutes=3),
        extended_minutes=0.0,
        pauses=((at(2), at(5)),),
    )
    assert clock.play_seconds(at(1), at(6)) == pytest.approx(120.0)
    assert clock.elapsed(at(6)) == timedelta(minutes=3)  # the same pause, the same answer
