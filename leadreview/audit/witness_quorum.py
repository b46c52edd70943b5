"""`audit verify --witness-key KEY… --quorum N`: the checkpoints checked must carry valid
cosignatures by at least N of the given witnesses (C2SP tlog-cosignature/v1).

Checked on the checkpoints given with `--checkpoint`, and on the newest checkpoint of a
`--from` export (its `checkpoint` file for tiles, else the largest in `checkpoints/`)."""

from collections.abc import Sequence
from pathlib import Path

from leadreview.audit.keys import read_verifier_text
from leadreview.audit.note import NoteError
from leadreview.audit.verify import Break, BreakKind, VerifyReport
from leadreview.audit.witness import WitnessKey, count_cosignatures
from leadreview.errors import ConfigurationError


def _checkpoints_to_check(files: Sequence[Path], from_dir: Path | None) -> list[Path]:
    chosen = list(files)
    if from_dir is not None:
        if (from_dir / "checkpoint").is_file():
            chosen.append(from_dir / "checkpoint")
        else:
            stored = sorted((from_dir / "checkpoints").glob("checkpoint-*.txt"))
            chosen += stored[-1:]
    return chosen


def check_quorum(
    report: VerifyReport,
    keys: Sequence[str],
    quorum: int | None,
    files: Sequence[Path],
    from_dir: Path | None,
) -> None:
    witnesses: list[WitnessKey] = []
    for key in keys:
        try:
            witnesses.append(WitnessKey.parse(read_verifier_text(key)))
        except NoteError as exc:
            raise ConfigurationError(f"--witness-key {key[:60]!r}: {exc}") from None
    needed = len(witnesses) if quorum is None else quorum
    if needed > len(witnesses):
        raise ConfigurationError(
            f"--quorum {needed} is more than the {len(witnesses)} witness keys"
        )
    chosen = _checkpoints_to_check(files, from_dir)
    if not chosen:
        report.breaks.append(
            Break(
                0, BreakKind.BAD_CHECKPOINT, "--witness-key needs --checkpoint FILE or --from DIR"
            )
        )
    for path in chosen:
        try:
            names = count_cosignatures(path.read_text(encoding="utf-8"), witnesses)
        except (OSError, UnicodeDecodeError, NoteError) as exc:
            report.breaks.append(Break(0, BreakKind.BAD_CHECKPOINT, f"{path}: {exc}"))
            continue
        if len(names) < needed:
            report.breaks.append(
                Break(
                    0,
                    BreakKind.BAD_CHECKPOINT,
                    f"{path}: {len(names)} valid witness cosignature(s), {needed} required",
                )
            )
