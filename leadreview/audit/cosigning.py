"""Witness cosignatures on a checkpoint this installation's key has just signed:
`audit checkpoint`, `audit export` and `audit archive --witness URL…` (C2SP tlog-witness,
client side: audit/witness_http.py)."""

from collections.abc import Callable, Sequence

from leadreview.audit.checkpoint_store import StoredCheckpoint
from leadreview.audit.merkle import ProofError
from leadreview.audit.service import AuditContext, prove_consistency
from leadreview.store.store import Store


def collect_cosignatures(
    store: Store, context: AuditContext, stored: StoredCheckpoint, urls: Sequence[str]
) -> tuple[StoredCheckpoint, list[str]]:
    """Ask each witness to cosign `stored`; keep the checkpoint with every cosignature
    received. Returns it and one line per witness that could not or would not cosign."""
    from leadreview.audit.witness_http import WitnessUnavailable, request_cosignature

    def consistency(old: int) -> list[bytes]:
        return prove_consistency(store, context, old, stored.checkpoint.size).hashes_list()

    lines: list[str] = []
    failures: list[str] = []
    for url in urls:
        try:
            lines.append(request_cosignature(url, stored.signed, consistency))
        except (WitnessUnavailable, ProofError) as exc:
            failures.append(str(exc))
    if not lines:
        return stored, failures
    signed = stored.signed + "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    signer = context.signer()
    return context.checkpoint_store(stored.checkpoint.origin, [signer.verifier()]).add(
        signed
    ), failures


def cosigner(
    store: Store, context: AuditContext, urls: Sequence[str], missed: list[str]
) -> Callable[[str], str]:
    """A function that has the witnesses at `urls` cosign a checkpoint this key just
    signed (and kept), keeps the cosigned copy, and returns it; each witness that did not
    cosign adds a line to `missed`."""

    def cosign(signed: str) -> str:
        signer = context.signer()
        kept = context.checkpoint_store(context.log_origin(store), [signer.verifier()]).add(signed)
        cosigned, failures = collect_cosignatures(store, context, kept, urls)
        missed.extend(failures)
        return cosigned.signed

    return cosign
