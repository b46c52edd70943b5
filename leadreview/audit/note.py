"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys.

A note is UTF-8 text ending in a newline, a blank line, then signature lines
`— <key name> <base64(key hash || signature)>`. The key hash is the first four bytes of
SHA-256(key name || 0x0A || 0x01 || public key). Key texts use the formats of
golang.org/x/mod/sumdb/note: `name+hash+base64(0x01||pubkey)` for a verifier key and
`PRIVATE+KEY+name+hash+base64(0x01||seed)` for a signer key.
"""

import base64
import binascii
import hashlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ALG_ED25519 = 0x01
SIG_PREFIX = "— "  # an em dash (U+2014) and a space
MAX_SIGNATURES = 100


class NoteError(ValueError):
    """A malformed note or key text."""


class BadSignatureError(NoteError):
    """A signature by a known key that does not verify: the note must be rejected."""


class NoKnownSignatureError(NoteError):
    """No signature on the note is by a key the reader knows."""


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_hash(name: str, public_key: bytes) -> int:
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()
    return int(struct.unpack(">I", digest[:4])[0])


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"not base64: {text!r}") from None


@dataclass(frozen=True)
class Verifier:
    name: str
    key_hash: int
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> "Verifier":
        parts = vkey.strip().split("+", 2)  # base64 may itself contain "+"
        if len(parts) != 3 or not _valid_name(parts[0]) or len(parts[1]) != 8:
            raise NoteError(f"malformed verifier key {vkey.strip()!r}")
        name, hash_hex, key_b64 = parts
        key = _b64decode(key_b64)
        if len(key) != 33 or key[0] != ALG_ED25519:
            raise NoteError(f"verifier key {name}: not an Ed25519 key")
        try:
            declared = int(hash_hex, 16)
        except ValueError:
            raise NoteError(f"verifier key {name}: bad key hash {hash_hex!r}") from None
        if declared != key_hash(name, key[1:]):
            raise NoteError(f"verifier key {name}: key hash does not match the key")
        return cls(name, declared, key[1:])

    def text(self) -> str:
        encoded = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_hash:08x}+{encoded}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


@dataclass(frozen=True)
class Signer:
    name: str
    key_hash: int
    seed: bytes  # the 32-byte Ed25519 private key

    @classmethod
    def generate(cls, name: str) -> "Signer":
        if not _valid_name(name):
            raise NoteError(f"key name {name!r} must be non-empty, without spaces or '+'")
        return cls.from_seed(name, Ed25519PrivateKey.generate().private_bytes_raw())

    @classmethod
    def from_seed(cls, name: str, seed: bytes) -> "Signer":
        public = _public_bytes(Ed25519PrivateKey.from_private_bytes(seed))
        return cls(name, key_hash(name, public), seed)

    @classmethod
    def parse(cls, skey: str) -> "Signer":
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"] or not _valid_name(parts[2]):
            raise NoteError("malformed signer key")
        name, hash_hex, key_b64 = parts[2:]
        key = _b64decode(key_b64)
        if len(key) != 33 or key[0] != ALG_ED25519:
            raise NoteError(f"signer key {name}: not an Ed25519 key")
        signer = cls.from_seed(name, key[1:])
        if f"{signer.key_hash:08x}" != hash_hex.lower():
            raise NoteError(f"signer key {name}: key hash does not match the key")
        return signer

    def text(self) -> str:
        encoded = base64.b64encode(bytes([ALG_ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_hash:08x}+{encoded}"

    def verifier(self) -> Verifier:
        public = _public_bytes(Ed25519PrivateKey.from_private_bytes(self.seed))
        return Verifier(self.name, self.key_hash, public)

    def sign(self, message: bytes) -> bytes:
        return Ed25519PrivateKey.from_private_bytes(self.seed).sign(message)


def _public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Signature:
    name: str
    key_hash: int
    signature: bytes

    def line(self) -> str:
        blob = struct.pack(">I", self.key_hash) + self.signature
        return f"{SIG_PREFIX}{self.name} {base64.b64encode(blob).decode()}\n"


@dataclass(frozen=True)
class OpenedNote:
    text: str
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]


def _check_text(text: str) -> None:
    if not text.endswith("\n") or any(c < " " and c != "\n" for c in text):
        raise NoteError("malformed note: text must end in a newline, no control characters")


def sign_note(text: str, *signers: Signer) -> str:
    _check_text(text)
    message = text.encode()
    lines = [Signature(s.name, s.key_hash, s.sign(message)).line() for s in signers]
    return text + "\n" + "".join(lines)


def parse_note(message: str) -> tuple[str, list[Signature]]:
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line before the signatures")
    text, block = message[: split + 1], message[split + 2 :]
    _check_text(text)
    if not block.endswith("\n"):
        raise NoteError("malformed note: signature block must end in a newline")
    signatures: list[Signature] = []
    for line in block[:-1].split("\n"):
        if any(c < " " or c == "\x7f" for c in line):
            raise NoteError("malformed note: control character in a signature line")
        if not line.startswith(SIG_PREFIX):
            raise NoteError(f"malformed note: unexpected line {line[:40]!r}")
        name, _, blob_b64 = line[len(SIG_PREFIX) :].partition(" ")
        blob = _b64decode(blob_b64)
        if not _valid_name(name) or len(blob) < 5:
            raise NoteError(f"malformed note: bad signature line {line[:40]!r}")
        signatures.append(Signature(name, struct.unpack(">I", blob[:4])[0], blob[4:]))
    if len(signatures) > MAX_SIGNATURES:
        raise NoteError("malformed note: too many signatures")
    return text, signatures


def open_note(message: str, verifiers: Iterable[Verifier]) -> OpenedNote:
    """Check a note's signatures as C2SP (and Go's note.Open) does: a signature by an
    unknown key is ignored, a bad signature by a known key rejects the note, and at least
    one signature by a known key must verify."""
    text, signatures = parse_note(message)
    known = {(v.name, v.key_hash): v for v in verifiers}
    verified: list[Signature] = []
    unverified: list[Signature] = []
    for signature in signatures:
        verifier = known.get((signature.name, signature.key_hash))
        if verifier is None:
            if signature not in unverified:  # repeated identical lines count once
                unverified.append(signature)
        elif any((v.name, v.key_hash) == (signature.name, signature.key_hash) for v in verified):
            raise NoteError(
                f"malformed note: two signatures by {signature.name}+{signature.key_hash:08x}"
            )
        elif verifier.verify(text.encode(), signature.signature):
            verified.append(signature)
        else:
            raise BadSignatureError(
                f"invalid signature for key {signature.name}+{signature.key_hash:08x}"
            )
    if not verified:
        raise NoKnownSignatureError("note has no verifiable signatures by a known key")
    return OpenedNote(text, tuple(verified), tuple(unverified))
