"""A minimal C2SP tlog-witness (https://c2sp.org/tlog-witness) and its cosignatures
(https://c2sp.org/tlog-cosignature, cosignature/v1).

A witness knows some logs (origin → the log's verifier key) and remembers, per log, the
newest checkpoint it cosigned. `add-checkpoint` requests carry

    old <size>\\n  <base64 consistency proof hash>\\n …  \\n  <signed checkpoint>

The witness cosigns only if the log's signature verifies, `old` is the size it holds
(else 409 with its size), and the proof shows the new tree extends the one it holds
(else 422). Its state is replaced atomically before the cosignature is returned, so it
never cosigns two inconsistent trees, even across restarts.

A cosignature is a signed-note signature line by the witness's key, whose blob is
key id (4 bytes) || timestamp (8 bytes, big-endian seconds) || Ed25519 signature over

    cosignature/v1\\ntime <timestamp>\\n<checkpoint text>

and the key id is SHA-256(name || 0x0A || 0x04 || public key)[:4].
"""

import base64
import binascii
import hashlib
import json
import os
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from leadreview.audit.checkpoint import CheckpointError, open_checkpoint
from leadreview.audit.merkle import ProofError, check_consistency
from leadreview.audit.note import NoteError, Signature, Signer, Verifier, parse_note
from leadreview.errors import ConfigurationError, LeadreviewError

ALG_COSIGNATURE_V1 = 0x04
MAX_REQUEST_BYTES = 1 << 16


def cosigner_key_id(name: str, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_COSIGNATURE_V1]) + public_key)
    return int(struct.unpack(">I", digest.digest()[:4])[0])


def cosigned_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


@dataclass(frozen=True)
class WitnessKey:
    """A witness's public key as handed out: `name+<key id hex>+base64(0x04 || key)`."""

    name: str
    key_id: int
    public_key: bytes

    @classmethod
    def parse(cls, text: str) -> "WitnessKey":
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not parts[0] or len(parts[1]) != 8:
            raise NoteError(f"malformed witness key {text.strip()[:60]!r}")
        try:
            raw = base64.b64decode(parts[2], validate=True)
            declared = int(parts[1], 16)
        except (binascii.Error, ValueError):
            raise NoteError(f"malformed witness key {text.strip()[:60]!r}") from None
        if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
            raise NoteError(f"witness key {parts[0]}: not a cosignature/v1 key")
        if declared != cosigner_key_id(parts[0], raw[1:]):
            raise NoteError(f"witness key {parts[0]}: key id does not match the key")
        return cls(parts[0], declared, raw[1:])

    def text(self) -> str:
        encoded = base64.b64encode(bytes([ALG_COSIGNATURE_V1]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{encoded}"

    def verify(self, text: str, signature: Signature) -> int | None:
        """The cosignature's timestamp if `signature` is this witness's over `text`."""
        if (signature.name, signature.key_hash) != (self.name, self.key_id):
            return None
        if len(signature.signature) != 8 + 64:
            return None
        (timestamp,) = struct.unpack(">Q", signature.signature[:8])
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(
                signature.signature[8:], cosigned_message(text, timestamp)
            )
        except InvalidSignature:
            return None
        return int(timestamp)


def witness_key_of(signer: Signer) -> WitnessKey:
    public = signer.verifier().public_key
    return WitnessKey(signer.name, cosigner_key_id(signer.name, public), public)


def cosign(signer: Signer, text: str, timestamp: int) -> str:
    """One cosignature line for checkpoint `text`."""
    key = witness_key_of(signer)
    blob = struct.pack(">I", key.key_id) + struct.pack(">Q", timestamp)
    blob += signer.sign(cosigned_message(text, timestamp))
    return f"— {signer.name} {base64.b64encode(blob).decode()}\n"


def count_cosignatures(signed: str, witnesses: Iterable[WitnessKey]) -> list[str]:
    """Names of the given witnesses whose valid cosignature the note carries."""
    text, signatures = parse_note(signed)
    names: list[str] = []
    for witness in witnesses:
        if any(witness.verify(text, s) is not None for s in signatures):
            names.append(witness.name)
    return names


class WitnessRefusal(Exception):
    """An add-checkpoint request the witness refuses, with its HTTP status."""

    def __init__(self, status: int, message: str, body: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = body or message + "\n"


class Witness:
    """The witness's logic, independent of HTTP. Thread-safe."""

    def __init__(
        self,
        signer: Signer,
        logs: dict[str, Verifier],
        state_path: Path,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.signer = signer
        self.logs = logs
        self.state_path = state_path
        self._clock = clock
        self._lock = threading.Lock()
        self._state = self._load()

    def _load(self) -> dict[str, dict[str, object]]:
        from leadreview.io.limits import parse_json, read_limited

        if not self.state_path.exists():
            return {}
        try:
            what = "witness state"
            data = parse_json(read_limited(self.state_path, what), f"{what} {self.state_path}")
        except LeadreviewError as exc:
            raise ConfigurationError(exc.message) from None
        if not isinstance(data, dict):
            raise ConfigurationError(f"witness state {self.state_path}: not a JSON object")
        return data

    def _save(self) -> None:
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.state_path.with_name(f".{self.state_path.name}.tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(self._state, handle, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.state_path)

    def add_checkpoint(self, body: bytes) -> str:
        """Answer one request: the cosignature line, or WitnessRefusal."""
        old, proof, signed = _parse_request(body)
        try:
            text, _ = parse_note(signed)
            origin = text.split("\n", 1)[0]
        except NoteError as exc:
            raise WitnessRefusal(400, f"malformed checkpoint: {exc}") from None
        verifier = self.logs.get(origin)
        if verifier is None:
            raise WitnessRefusal(404, f"unknown log {origin!r}")
        try:
            checkpoint = open_checkpoint(signed, [verifier], origin=origin)
        except CheckpointError as exc:
            raise WitnessRefusal(403, f"checkpoint not signed by the log: {exc}") from None
        if checkpoint.size < old:
            raise WitnessRefusal(400, f"checkpoint size {checkpoint.size} is below old {old}")
        with self._lock:
            held = self._state.get(origin, {"size": 0, "root": ""})
            held_size = int(str(held["size"]))
            if old != held_size:
                raise WitnessRefusal(409, f"witness holds size {held_size}", f"{held_size}\n")
            try:
                if old:
                    check_consistency(
                        old,
                        checkpoint.size,
                        bytes.fromhex(str(held["root"])),
                        bytes.fromhex(checkpoint.root_hex),
                        proof,
                    )
                elif proof:
                    raise ProofError("a proof from size 0 must be empty")
            except ProofError as exc:
                raise WitnessRefusal(422, f"consistency proof: {exc}") from None
            self._state[origin] = {"size": checkpoint.size, "root": checkpoint.root_hex}
            self._save()
            return cosign(self.signer, text, int(self._clock()))


def _parse_request(body: bytes) -> tuple[int, list[bytes], str]:
    if len(body) > MAX_REQUEST_BYTES:
        raise WitnessRefusal(400, "request too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WitnessRefusal(400, "request is not UTF-8") from None
    head, sep, signed = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or not lines[0].startswith("old "):
        raise WitnessRefusal(400, "request must start with 'old <size>' and a blank line")
    size_text = lines[0][4:]
    if not size_text.isascii() or not size_text.isdigit() or size_text != str(int(size_text)):
        raise WitnessRefusal(400, "old size is not a decimal number")
    proof: list[bytes] = []
    for line in lines[1:]:
        try:
            proof.append(base64.b64decode(line, validate=True))
        except (binascii.Error, ValueError):
            raise WitnessRefusal(400, "a proof line is not base64") from None
    if len(proof) > 63:
        raise WitnessRefusal(400, "consistency proof too long")
    return int(size_text), proof, signed


def request_body(old: int, proof: Iterable[bytes], signed: str) -> bytes:
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof)]
    return ("\n".join(lines) + "\n\n" + signed).encode()
