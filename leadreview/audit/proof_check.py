"""`audit verify --proof FILE --checkpoint FILE… --key KEY`: a proof checked offline
against signed checkpoints, with nothing else of the log."""

from collections.abc import Sequence
from pathlib import Path

from leadreview.audit.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from leadreview.audit.merkle import ProofError
from leadreview.audit.note import Verifier
from leadreview.audit.proofs import InclusionProof, parse_proof
from leadreview.errors import ConfigurationError, VerificationFailed

MAX_CHECKPOINT_BYTES = 1 << 16


def _read(path: Path, what: str, limit: int) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ConfigurationError(f"{what} {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise ConfigurationError(f"{what} {path}: too large")
    return data


def _checkpoint(path: Path, verifier: Verifier) -> Checkpoint:
    data = _read(path, "checkpoint", MAX_CHECKPOINT_BYTES)
    try:
        return open_checkpoint(data.decode("utf-8"), [verifier])
    except UnicodeDecodeError:
        raise VerificationFailed(f"checkpoint {path}: not UTF-8 text") from None
    except CheckpointError as exc:
        raise VerificationFailed(f"checkpoint {path}: {exc}") from None


def check_proof_files(
    proof_path: Path, checkpoint_paths: Sequence[Path], verifier: Verifier
) -> str:
    """One line saying what was proven; VerificationFailed (one line) otherwise."""
    try:
        proof = parse_proof(_read(proof_path, "proof", 1 << 20))
    except ProofError as exc:
        raise VerificationFailed(f"proof {proof_path}: {exc}") from None
    checkpoints = sorted((_checkpoint(p, verifier) for p in checkpoint_paths), key=lambda c: c.size)
    try:
        if isinstance(proof, InclusionProof):
            if len(checkpoints) != 1:
                raise ProofError("an inclusion proof is checked against one --checkpoint")
            proof.check(checkpoints[0])
            return (
                f"ok: event {proof.index + 1} is in {proof.origin} at size {proof.size} "
                f"(entry {len(proof.entry)} bytes)"
            )
        if len(checkpoints) != 2:
            raise ProofError("a consistency proof is checked against two --checkpoint files")
        proof.check(checkpoints[0], checkpoints[1])
        return f"ok: {proof.origin} at size {proof.new} extends size {proof.old}"
    except ProofError as exc:
        raise VerificationFailed(f"proof {proof_path}: {exc}") from None
