"""Run the real CLI entry point in-process, one `main()` call per case, and judge it.

A subprocess per case would cost a second of interpreter start-up each, so a few thousand
cases would take an hour; in-process they take milliseconds to seconds. What a user sees
is the same: `main()` is what the console script calls, and the harness captures stdout,
stderr, the exit code and any exception that escapes it (which in a real process would
be a traceback).

The contract checked for every case (the project's, see docs/security.md):
- the exit code is 0 (valid input) or 1/2/3 (a failed verification, bad input, a refused
  permission) — nothing else, and no exception escapes `main()`;
- at most one line on stderr, and an error is `leadreview: error: …`; never "Traceback";
- no RuntimeWarning (numpy overflow and the like mean a value was accepted that is not);
- no hang: a case longer than `CASE_SECONDS` fails.
"""

import contextlib
import io
import os
import signal
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

DOCUMENTED_EXIT_CODES = frozenset({0, 1, 2, 3})
CASE_SECONDS = 60


class CaseHung(Exception):
    """A case ran past CASE_SECONDS: in real life, a command that never returns."""


@dataclass
class Tally:
    """How many CLI cases the harness ran, and for how long (printed by make fuzz)."""

    cases: int = 0
    seconds: float = 0.0


TALLY = Tally()


@dataclass(frozen=True)
class Outcome:
    argv: tuple[str, ...]
    code: int | None
    stdout: str
    stderr: str
    escaped: BaseException | None
    warnings: tuple[str, ...] = field(default=())

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def describe(self) -> str:
        escaped = f"{type(self.escaped).__name__}: {self.escaped}" if self.escaped else "-"
        return (
            f"argv={list(self.argv)!r}\ncode={self.code} escaped={escaped}\n"
            f"stderr={self.stderr[-2000:]!r}\nwarnings={self.warnings!r}"
        )


@contextlib.contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def _on_alarm(_signum: int, _frame: FrameType | None) -> None:
    raise CaseHung(f"no answer within {CASE_SECONDS} s")


def run_main(argv: Sequence[str], env: Mapping[str, str], cwd: Path | None = None) -> Outcome:
    """One in-process `leadreview …` call with `env` set; never raises."""
    from leadreview.cli.app import main

    out, err = io.StringIO(), io.StringIO()
    code: int | None = 0
    escaped: BaseException | None = None
    started = time.monotonic()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(CASE_SECONDS)
    here = Path.cwd()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        try:
            if cwd is not None:
                os.chdir(cwd)
            with environment(env), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                main(list(argv))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else None)
        except BaseException as exc:
            escaped, code = exc, None
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
            os.chdir(here)
    TALLY.cases += 1
    TALLY.seconds += time.monotonic() - started
    runtime = tuple(
        f"{w.category.__name__}: {w.message}"
        for w in caught
        if issubclass(w.category, RuntimeWarning)
    )
    return Outcome(tuple(argv), code, out.getvalue(), err.getvalue(), escaped, runtime)


def assert_well_behaved(outcome: Outcome, allowed: frozenset[int] = DOCUMENTED_EXIT_CODES) -> None:
    """The contract in the module docstring; the message shows the whole case."""
    detail = outcome.describe()
    assert outcome.escaped is None, detail
    assert outcome.code in allowed, detail
    assert "Traceback" not in outcome.stderr and "Traceback" not in outcome.stdout, detail
    assert not outcome.warnings, detail
    lines = outcome.error_lines
    if outcome.code == 0:
        assert not any(line.startswith("leadreview: error:") for line in lines), detail
    elif outcome.code in (2, 3):
        assert len(lines) == 1 and lines[0].startswith("leadreview: error: "), detail
    if outcome.code != 1:
        # `audit verify` (exit 1) prints one line per break, by design; nothing else may
        # print more than one line of error.
        assert len(lines) <= 1, detail


def assert_refused(outcome: Outcome, *needles: str, code: int = 2) -> str:
    """A refusal in exactly one line containing every needle; returns the line."""
    assert_well_behaved(outcome)
    assert outcome.code == code, outcome.describe()
    (line,) = outcome.error_lines
    for needle in needles:
        assert needle in line, outcome.describe()
    return line
