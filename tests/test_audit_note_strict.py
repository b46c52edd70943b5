"""P6: signed notes and checkpoints are read as strictly as C2SP (and Go's note.Open)
read them: control characters in signature lines, empty extension lines and a second
signature by the same known key are refused; repeated unknown signatures count once."""

import base64

import pytest

from leadreview.audit.checkpoint import Checkpoint, CheckpointError, open_checkpoint
from leadreview.audit.note import NoteError, Signer, open_note, sign_note

SIGNER = Signer.generate("example.com/log")
OTHER = Signer.generate("witness.example")
BODY = Checkpoint("example.com/log", 3, "ab" * 32).body


def test_a_control_character_in_a_signature_line_is_refused() -> None:
    signed = sign_note(BODY, SIGNER)
    sig_start = signed.index("— ") + 2
    broken = signed[:sig_start] + "\x01" + signed[sig_start:]
    with pytest.raises(NoteError, match="control character"):
        open_note(broken, [SIGNER.verifier()])
    tabbed = signed[:-1] + "\t\n"
    with pytest.raises(NoteError):
        open_note(tabbed, [SIGNER.verifier()])


def test_an_empty_extension_line_is_refused() -> None:
    body = BODY + "\n" + "ext\n"  # origin, size, root, "", "ext"
    assert "\n\n" in body
    signed = sign_note(BODY + "ext\n", SIGNER)
    assert open_checkpoint(signed, [SIGNER.verifier()]).size == 3
    # An empty line inside the body ends the text early: nothing after it is signed.
    with pytest.raises((CheckpointError, NoteError)):
        open_checkpoint(sign_note(BODY, SIGNER).replace(BODY, body), [SIGNER.verifier()])
    with pytest.raises(CheckpointError, match="empty extension line"):
        Checkpoint.parse_body(BODY + "\n")


def test_two_signatures_by_one_known_key_are_refused() -> None:
    signed = sign_note(BODY, SIGNER)
    line = signed[signed.index("— ") :]
    with pytest.raises(NoteError, match="two signatures"):
        open_note(signed + line, [SIGNER.verifier()])


def test_repeated_unknown_signatures_count_once() -> None:
    signed = sign_note(BODY, SIGNER, OTHER)
    other_line = signed[signed.rindex("— ") :]
    note = open_note(signed + other_line, [SIGNER.verifier()])
    assert [s.name for s in note.unverified] == ["witness.example"]


def test_a_different_unknown_signature_by_the_same_name_is_kept_apart() -> None:
    signed = sign_note(BODY, SIGNER, OTHER)
    blob = base64.b64encode(b"\x00\x00\x00\x01" + b"\x00" * 64).decode()
    note = open_note(signed + f"— witness.example {blob}\n", [SIGNER.verifier()])
    assert len(note.unverified) == 2
