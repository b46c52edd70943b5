"""Keep the exact bytes of every policy file a verdict is given under.

A verdict names the SHA-256 of its policy file; storing the bytes under that digest lets
anyone re-evaluate the verdict later, even after the file on disk has been edited.
"""

import hashlib
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlmodel import Session

from leadreview.domain.decision import DEFAULT_MIN_RATIONALE_WORDS
from leadreview.domain.policy import LoadedPolicy, Policy
from leadreview.errors import InputFileError
from leadreview.io.yamlfile import parse_model
from leadreview.store.tables.workflow import PolicyDocumentRow
from leadreview.workflow.sql import insert_if_absent, table_of


def policy_bytes(loaded: LoadedPolicy) -> bytes:
    """The file's bytes, which must still hash to the digest the policy was loaded with."""
    try:
        data = Path(loaded.path).read_bytes()
    except OSError as exc:
        raise InputFileError(f"{loaded.path}: cannot read policy file ({exc})") from None
    if hashlib.sha256(data).hexdigest() != loaded.sha256:
        raise InputFileError(
            f"{loaded.path}: policy file changed since it was loaded "
            f"(sha256 was {loaded.sha256[:12]}); reload the policies"
        )
    return data


def store_policy_documents(
    session: Session, policies: Iterable[LoadedPolicy], now: datetime
) -> None:
    for loaded in policies:
        if session.get(PolicyDocumentRow, loaded.sha256) is not None:
            continue
        insert_if_absent(
            session,
            table_of(PolicyDocumentRow),
            {
                "sha256": loaded.sha256,
                "name": loaded.name,
                "path": loaded.path,
                "content": policy_bytes(loaded),
                "recorded_at": now,
            },
        )


def loaded_from_document(row: PolicyDocumentRow) -> LoadedPolicy:
    """The policy exactly as it was when its verdicts were given."""
    digest = hashlib.sha256(row.content).hexdigest()
    if digest != row.sha256:
        raise InputFileError(
            f"stored policy document {row.sha256[:12]} ({row.name}): content hashes to "
            f"{digest[:12]}; the stored copy was altered"
        )
    policy = parse_model(row.content, Path(row.path), Policy, "policy")
    return LoadedPolicy(policy=policy, path=row.path, sha256=row.sha256)


@lru_cache(maxsize=64)
def _policy_from_bytes(sha256: str, content: bytes, path: str) -> Policy:
    # Keyed by digest and bytes: a stored document never changes, so parse it once.
    return parse_model(content, Path(path), Policy, "policy")


def min_rationale_words(session: Session, sha256: str) -> int:
    """The minimum rationale, in words, of the policy stored under `sha256`."""
    row = session.get(PolicyDocumentRow, sha256)
    words = None if row is None else document_min_rationale_words(sha256, row.content, row.path)
    if words is None:
        # An altered or missing document is `audit verify`'s to report; the default
        # still refuses a rationale of a keystroke.
        return DEFAULT_MIN_RATIONALE_WORDS
    return words


def document_min_rationale_words(sha256: str, content: bytes, path: str) -> int | None:
    """The minimum rationale of a stored policy document; None if its bytes do not hash
    to the digest it is stored under."""
    if hashlib.sha256(content).hexdigest() != sha256:
        return None
    return _policy_from_bytes(sha256, content, path).min_rationale_words
