"""`audit verify --witness-key KEY… --quorum N`: the checkpoints checked must carry valid
cosignatures by at least N of the given witnesses (C2SP tlog-cosignature/v1).

Checked on the checkpoints given with `--checkpoint`, and on the newest checkpoint of the
source verified (`VerifyReport.newest_checkpoint`): the database's (the largest kept in
the data folder for its log), a `--from` export's (its `checkpoint` file for tiles, else
the largest in `checkpoints/`), or a `--from-s3` archive's (`tiles/checkpoint`, else the
newest sealed segment's)."""

from collections.abc import Sequence
from pathlib import Path

from leadreview.audit.keys import read_verifier_text
from leadreview.audit.note import NoteError
from leadreview.audit.verdict import Break, BreakKind, VerifyReport
from leadreview.audit.witness import WitnessKey, count_cosignatures
from leadreview.errors import ConfigurationError


def check_quorum(
    report: VerifyReport,
    keys: Sequence[str],
    quorum: int | None,
    files: Sequence[Path],
) -> None:
    from leadreview.audit.service import MAX_CHECKPOINT_BYTES
    from leadreview.errors import InputFileError
    from leadreview.io.limits import read_limited

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
    chosen: list[tuple[str, str]] = []
    for path in files:
        try:
            text = read_limited(path, "checkpoint", MAX_CHECKPOINT_BYTES).decode("utf-8")
        except InputFileError as exc:
            report.breaks.append(Break(0, BreakKind.BAD_CHECKPOINT, exc.message))
            continue
        except UnicodeDecodeError:
            report.breaks.append(Break(0, BreakKind.BAD_CHECKPOINT, f"{path}: not UTF-8 text"))
            continue
        chosen.append((str(path), text))
    if report.newest_checkpoint is not None:
        chosen.append(report.newest_checkpoint)
    if not chosen and not files:
        report.breaks.append(
            Break(
                0,
                BreakKind.BAD_CHECKPOINT,
                f"{report.source}: no checkpoint to count witness cosignatures on "
                "(give --checkpoint FILE)",
            )
        )
    for name, signed in dict.fromkeys(chosen):
        try:
            names = count_cosignatures(signed, witnesses)
        except NoteError as exc:
            report.breaks.append(Break(0, BreakKind.BAD_CHECKPOINT, f"{name}: {exc}"))
            continue
        if len(names) < needed:
            report.breaks.append(
                Break(
                    0,
                    BreakKind.BAD_CHECKPOINT,
                    f"{name}: {len(names)} valid witness cosignature(s), {needed} required",
                )
            )
