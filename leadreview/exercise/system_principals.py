"""The names the system acts under, which no person may carry.

Two exercise principals are not people: the exercise's clock (`exercise-<id>-clock`),
which releases that exercise's timed injects, and the `demo facilitator`, which starts
the bundled demo's exercise when the terminal app finds an empty database. Each is
given an exception by `exercise.permissions`: the clock may release its exercise's
injects, and any facilitator may run the demo's exercise (synthetic practice cases).

So that the exceptions cannot be borrowed, the names are reserved (no operating-system
user, PostgreSQL login or join code may be principal under them: `refuse_reserved`),
and the demo's exception covers an exercise only when the system name started it AND it
runs the bundled demo scenario byte for byte (`is_demo_exercise`); the demo name may
start nothing else.
"""

import re
from functools import cache

from leadreview.errors import PermissionRefused

# A confident wrong lead, a true one, and a push for an arrest: the debrief has a story.
DEMO_SCENARIO = "blurry-cctv"
DEMO_FACILITATOR_NAME = "demo facilitator"
_CLOCK = re.compile(r"exercise-\d+-clock")


def clock_name(exercise_id: int) -> str:
    """The name the exercise's clock acts under when it releases scheduled injects."""
    return f"exercise-{exercise_id}-clock"


def is_reserved(name: str) -> bool:
    folded = " ".join(name.casefold().split())
    return folded == DEMO_FACILITATOR_NAME or _CLOCK.fullmatch(folded) is not None


def refuse_reserved(name: str, named_by: str) -> None:
    """A person cannot act under a system name, however they came by it."""
    if is_reserved(name):
        raise PermissionRefused(
            f"{named_by} {name!r}: the name is reserved for the system (the demo's "
            "facilitator, an exercise's clock); act under your own"
        )


@cache
def bundled_demo_sha256() -> str:
    """The digest of the bundled demo scenario's bytes (read once, on first use)."""
    from leadreview.exercise.loading import load_exercise

    return load_exercise(DEMO_SCENARIO).sha256


def is_demo_exercise(started_by: str, scenario_name: str, scenario_sha256: str) -> bool:
    """Whether an exercise is the bundled demo's: started by the system name, on the
    bundled demo scenario exactly as shipped."""
    return (
        started_by == DEMO_FACILITATOR_NAME
        and scenario_name == DEMO_SCENARIO
        and scenario_sha256 == bundled_demo_sha256()
    )
