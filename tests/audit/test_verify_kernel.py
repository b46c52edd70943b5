"""The compiled verifier loop (`_verify_kernels.c`) against the Python walk it replaces:
the same leaf hashes, a fall-back for every row it must not pass, and the same verdicts,
word for word, on intact and tampered logs of both formats."""

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text

from leadreview.audit.canonical import GENESIS_DIGEST, entry_bytes
from leadreview.audit.chain_kernel import chain_kernel, kernel_built
from leadreview.audit.service import verify_store
from leadreview.audit.verdict import VerifyReport
from leadreview.audit.verify import walk
from leadreview.store import Store
from tests.support.audit import (
    append_events,
    behind_the_guards,
    flip_stored_hash_bit,
    swap_sequence_numbers,
)
from tests.support.compiled import use_paths

Row = tuple[Any, ...]
TIME = "2026-01-02T03:04:05.000006Z"
BUILDABLE = shutil.which("cc") is not None and Path("/usr/include/openssl/evp.h").is_file()


def test_the_kernel_is_built_where_a_compiler_and_libcrypto_headers_exist() -> None:
    if not BUILDABLE:
        pytest.skip("no C compiler or no OpenSSL headers: the Python path is the only one")
    assert kernel_built()


needs_kernel = pytest.mark.skipif(not kernel_built(), reason="the verifier kernel is not built")


def sealed(specs: list[dict[str, Any]]) -> list[Row]:
    """A valid chain of stored rows, one per spec (its format and any column overridden
    before sealing: `payload`, `actor`, `auth`, `login`, `v`)."""
    rows: list[Row] = []
    prev = GENESIS_DIGEST
    for seq, spec in enumerate(specs, start=1):
        version = spec.get("v", 2)
        auth, login = (spec.get("auth", "os-user"), spec.get("login", "app")) if version == 2 else (
            spec.get("auth"), spec.get("login")
        )  # fmt: skip
        row = (
            seq, TIME, spec.get("actor", f"reviewer-{seq % 3}"), "reviewer", "lead.decided",
            spec.get("payload", f'{{"lead":{seq},"note":"é ✓"}}'), prev, "", version, auth, login,
        )  # fmt: skip
        digest = hashlib.sha256(entry_bytes(row)).hexdigest()
        rows.append((*row[:7], digest, *row[8:]))
        prev = digest
    return rows


def mixed_formats(n: int) -> list[dict[str, Any]]:
    """Format 1 events (auth and login None or empty) followed by format 2 ones."""
    return [{"v": 1, "auth": None if i % 2 else ""} for i in range(n // 2)] + [{}] * (n - n // 2)


def replaced(rows: list[Row], index: int, column: int, value: object) -> list[Row]:
    changed = list(rows)
    changed[index] = (*rows[index][:column], value, *rows[index][column + 1 :])
    return changed


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The compiled `chain_leaves`, whatever the environment of the test run asks for."""
    use_paths(monkeypatch, verify="")
    return chain_kernel()


@needs_kernel
def test_the_kernels_leaves_are_hashlibs(compiled: Any) -> None:
    rows = sealed(mixed_formats(40))
    kernel = compiled
    assert kernel is not None
    joined = kernel(rows, GENESIS_DIGEST, 1)
    assert joined == b"".join(hashlib.sha256(b"\x00" + entry_bytes(r)).digest() for r in rows)
    # A payload longer than the kernel's first buffer, and an empty chunk.
    long = sealed([{"payload": '{"text":"' + "x" * 5000 + '"}'}])
    assert (
        kernel(long, GENESIS_DIGEST, 1) == hashlib.sha256(b"\x00" + entry_bytes(long[0])).digest()
    )
    assert kernel([], GENESIS_DIGEST, 1) == b""


ROWS = sealed(mixed_formats(6))
FALLS_BACK: dict[str, tuple[list[Row], object, object]] = {
    "a changed payload": (replaced(ROWS, 2, 5, '{"lead":99}'), GENESIS_DIGEST, 1),
    "a changed digest": (replaced(ROWS, 4, 7, "f" * 64), GENESIS_DIGEST, 1),
    "an upper-case digest": (replaced(ROWS, 4, 7, ROWS[4][7].upper()), GENESIS_DIGEST, 1),
    "a broken first link": (ROWS, "e" * 64, 1),
    "an unexpected sequence number": (ROWS, GENESIS_DIGEST, 2),
    "a sequence number beyond 64 bits": (ROWS, GENESIS_DIGEST, 2**64),
    "a quote in a label": (sealed([{"actor": 'al"ice'}]), GENESIS_DIGEST, 1),
    "a backslash in a format 1 auth": (
        sealed([{"v": 1, "auth": "a\\b", "login": ""}]),
        GENESIS_DIGEST,
        1,
    ),
    "a surrogate in the payload": (sealed([{"payload": '{"s":"\ud800"}'}]), GENESIS_DIGEST, 1),
    "a bytes payload": (replaced(ROWS, 0, 5, b"{}"), GENESIS_DIGEST, 1),
    "a float format": (replaced(ROWS, 0, 8, 1.0), GENESIS_DIGEST, 1),
    "format 3": (sealed([{"v": 3}]), GENESIS_DIGEST, 1),
    "a format 2 event without login": (sealed([{"login": ""}]), GENESIS_DIGEST, 1),
    "a boolean sequence number": (replaced(ROWS, 0, 0, True), GENESIS_DIGEST, 1),
    "a short row": ([ROWS[0][:8]], GENESIS_DIGEST, 1),
    "a non-str link": (ROWS, None, 1),
}


@needs_kernel
@pytest.mark.parametrize("case", FALLS_BACK)
def test_the_kernel_falls_back_on_any_row_it_must_not_pass(case: str, compiled: Any) -> None:
    rows, last, expected = FALLS_BACK[case]
    kernel = compiled
    assert kernel is not None
    assert kernel(rows, last, expected) is None


def test_the_environment_forces_the_python_path(monkeypatch: pytest.MonkeyPatch) -> None:
    use_paths(monkeypatch, verify="python")
    assert chain_kernel() is None


def both_paths(monkeypatch: pytest.MonkeyPatch, run: Callable[[], VerifyReport]) -> VerifyReport:
    """`run` on the kernel and on the Python path: the reports must be identical."""
    use_paths(monkeypatch, verify="python")
    python = run()
    use_paths(monkeypatch, verify="")
    compiled = run()
    assert compiled.lines() == python.lines()
    assert (compiled.root_hex, compiled.leaves_sha256) == (python.root_hex, python.leaves_sha256)
    return compiled


TAMPERED: dict[str, Callable[[list[Row]], list[Row]]] = {
    "intact": lambda rows: rows,
    "a changed payload": lambda rows: replaced(rows, 10, 5, '{"lead":0}'),
    "a changed digest": lambda rows: replaced(rows, 30, 7, "0" * 64),
    "a broken link": lambda rows: replaced(rows, 31, 6, "1" * 64),
    "a surrogate in a payload": lambda rows: replaced(rows, 12, 5, '{"s":"\ud800"}'),
    "a quote in an actor": lambda rows: replaced(rows, 25, 2, 'a"b'),
    "a format 2 event made format 1": lambda rows: replaced(rows, 33, 8, 1),
    "a swapped pair": lambda rows: [*rows[:20], rows[21], rows[20], *rows[22:]],
    "a deleted event": lambda rows: rows[:15] + rows[16:],
}


@pytest.mark.parametrize("case", TAMPERED)
def test_walks_of_both_formats_get_the_same_verdict_on_both_paths(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = TAMPERED[case](sealed(mixed_formats(48)))

    def run() -> VerifyReport:
        return walk("rows", [rows[k : k + 8] for k in range(0, len(rows), 8)])

    report = both_paths(monkeypatch, run)
    assert report.ok == (case == "intact"), report.lines()


def _edit_payload(connection: Connection) -> None:
    connection.exec_driver_sql("""UPDATE audit_event SET payload = '{"lead":0}' WHERE seq = 70""")


def _change_digest(connection: Connection) -> None:
    connection.exec_driver_sql(f"UPDATE audit_event SET digest = '{'a' * 64}' WHERE seq = 90")


def _break_link(connection: Connection) -> None:
    connection.exec_driver_sql(f"UPDATE audit_event SET prev_digest = '{'b' * 64}' WHERE seq = 5")


def _odd_text(connection: Connection) -> None:
    connection.exec_driver_sql(
        """UPDATE audit_event SET payload = '{"lead":"\\u0000 é ✓ 𝄞"}' WHERE seq = 40"""
    )


def _swap(connection: Connection) -> None:
    swap_sequence_numbers(connection, 20, 21)


def _flip_a_stored_hash_bit(seq: int, offset: int) -> Callable[[Connection], None]:
    return lambda connection: flip_stored_hash_bit(connection, seq, offset)


def _tear_a_stored_row(connection: Connection) -> None:
    """Row 64's hashes cut mid-hash: 16 bytes of its level-6 node gone (past the CHECK on
    their length, as the owner of the database can go)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "ALTER TABLE audit_merkle DROP CONSTRAINT IF EXISTS ck_audit_merkle_hashes"
        )
    else:
        connection.exec_driver_sql("PRAGMA ignore_check_constraints = ON")
    stored = connection.execute(text("SELECT hashes FROM audit_merkle WHERE seq = 64")).scalar_one()
    connection.execute(
        text("UPDATE audit_merkle SET hashes = :hashes WHERE seq = 64"),
        {"hashes": bytes(stored)[:-16]},
    )


STORE_TAMPERING: dict[str, Callable[[Connection], None] | None] = {
    "intact": None,
    "a changed payload": _edit_payload,
    "a changed digest": _change_digest,
    "a broken link": _break_link,
    "odd text": _odd_text,
    "a swapped pair": _swap,
    "a stored leaf": _flip_a_stored_hash_bit(33, 0),
    "a stored interior node": _flip_a_stored_hash_bit(64, 3 * 32 + 5),  # row 64: levels 0-6
    "a stored node above the ranges' alignment": _flip_a_stored_hash_bit(128, 7 * 32),
    "a torn stored row": _tear_a_stored_row,
}


@pytest.mark.parametrize("case", STORE_TAMPERING)
@pytest.mark.parametrize("workers", [1, 2])
def test_a_stored_log_gets_the_same_verdict_on_both_paths(
    store: Store, case: str, workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    append_events(store, 130, batch=40)
    tamper = STORE_TAMPERING[case]
    if tamper is not None:
        with behind_the_guards(store) as connection:
            tamper(connection)

    def run() -> VerifyReport:
        return verify_store(store, chunk_rows=16, workers=workers, parallel_from=1)

    report = both_paths(monkeypatch, run)
    assert report.ok == (case == "intact"), report.lines()


@needs_kernel
def test_the_kernel_passes_the_rows_each_driver_returns(store: Store, compiled: Any) -> None:
    """Rows as SQLite's and PostgreSQL's drivers fetch them are what the kernel handles
    (else an intact log would silently take the Python path everywhere)."""
    from leadreview.audit.stream import stream_rows

    append_events(store, 50, batch=50)
    kernel = compiled
    assert kernel is not None
    (rows,) = list(stream_rows(store))
    joined = kernel(rows, GENESIS_DIGEST, 1)
    assert joined == b"".join(hashlib.sha256(b"\x00" + entry_bytes(r)).digest() for r in rows)
