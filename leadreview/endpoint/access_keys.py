"""Access keys that leadreview issues to principals, for signing requests to the endpoint.

SigV4 proves possession of the secret by an HMAC whose key is derived from the secret
*and the day*, so the server must be able to recompute it: the secret cannot be kept as
a one-way hash. It is kept encrypted instead (AES-256-GCM), in a JSON file in the data
directory; the encryption key is a separate file beside the checkpoint signing key (the
config directory), never in the data directory or the database. The principal and role
are the GCM associated data: a record edited to name someone else no longer decrypts,
and its key is then refused as unknown.

The secret is shown once, when issued. The server re-reads the file when it changes, so
a revoked key stops working without a restart.
"""

import base64
import json
import os
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leadreview.domain.roles import Role
from leadreview.errors import ConfigurationError, InputFileError, LeadreviewError

_KEY_ID_PREFIX = "LRIA"  # as AWS long-term key ids start with AKIA
_MASTER_KEY_BYTES = 32


@dataclass(frozen=True)
class AccessKey:
    access_key_id: str
    principal: str
    role: Role
    created_at: str
    created_by: str
    revoked_at: str | None = None
    revoked_by: str | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class IssuedKey:
    key: AccessKey
    secret_access_key: str  # shown once, never stored in clear


def _aad(key_id: str, principal: str, role: str) -> bytes:
    return f"{key_id}\x00{principal}\x00{role}".encode()


class KeyRing:
    """The access-key file and the key that encrypts the secrets in it."""

    def __init__(self, keys_file: Path, master_key_file: Path) -> None:
        self._keys_file = keys_file
        self._master_key_file = master_key_file
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[AccessKey, str | None]] = {}
        self._cache_stamp: tuple[int, int] | None = None

    @property
    def keys_file(self) -> Path:
        return self._keys_file

    # -- reading ----------------------------------------------------------------------

    def _records(self) -> list[dict[str, Any]]:
        from leadreview.io.limits import parse_json, read_limited

        if not self._keys_file.exists():
            return []
        try:
            document = parse_json(read_limited(self._keys_file, "access-key"), str(self._keys_file))
        except LeadreviewError as exc:
            raise ConfigurationError(exc.message) from None
        try:
            records = document["keys"]
            assert isinstance(records, list)
            return records
        except (ValueError, KeyError, TypeError, AssertionError):
            raise ConfigurationError(f"{self._keys_file}: not an access-key file") from None

    def all_keys(self) -> list[AccessKey]:
        return [_key_of(record) for record in self._records()]

    def secret_for(self, access_key_id: str) -> str | None:
        """The secret of an active key, None for an unknown, revoked or tampered one."""
        with self._lock:
            self._refresh()
            found = self._cache.get(access_key_id)
        if found is None or not found[0].active:
            return None
        return found[1]

    def principal_of(self, access_key_id: str) -> AccessKey | None:
        with self._lock:
            self._refresh()
            found = self._cache.get(access_key_id)
        return None if found is None else found[0]

    def _refresh(self) -> None:
        try:
            status = self._keys_file.stat()
            stamp: tuple[int, int] | None = (status.st_mtime_ns, status.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp == self._cache_stamp and (stamp is not None or not self._cache):
            return
        cache: dict[str, tuple[AccessKey, str | None]] = {}
        records = self._records()
        master = self._master_key(create=False) if records else None
        for record in records:
            key = _key_of(record)
            cache[key.access_key_id] = (key, self._decrypt(master, key, record))
        self._cache = cache
        self._cache_stamp = stamp

    def _decrypt(self, master: bytes | None, key: AccessKey, record: dict[str, Any]) -> str | None:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if master is None:
            return None
        try:
            nonce = base64.b64decode(record["nonce"])
            sealed = base64.b64decode(record["secret"])
            plain = AESGCM(master).decrypt(
                nonce, sealed, _aad(key.access_key_id, key.principal, key.role.value)
            )
        except (InvalidTag, KeyError, ValueError, TypeError):
            return None  # edited behind our back: the key is refused, not trusted
        return plain.decode()

    # -- writing ----------------------------------------------------------------------

    def issue(self, principal: str, role: Role, *, issued_by: str) -> IssuedKey:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key_id = _KEY_ID_PREFIX + base64.b32encode(secrets.token_bytes(10)).decode()[:16]
        secret = base64.b64encode(secrets.token_bytes(30)).decode()
        key = AccessKey(
            access_key_id=key_id,
            principal=principal,
            role=role,
            created_at=datetime.now(UTC).isoformat(),
            created_by=issued_by,
        )
        nonce = secrets.token_bytes(12)
        master = self._master_key(create=True)
        assert master is not None  # create=True makes one
        sealed = AESGCM(master).encrypt(nonce, secret.encode(), _aad(key_id, principal, role.value))
        record = _record_of(key)
        record["nonce"] = base64.b64encode(nonce).decode()
        record["secret"] = base64.b64encode(sealed).decode()
        self._write([*self._records(), record])
        return IssuedKey(key=key, secret_access_key=secret)

    def revoke(self, access_key_id: str, *, revoked_by: str) -> AccessKey:
        records = self._records()
        for record in records:
            if record.get("access_key_id") == access_key_id:
                if record.get("revoked_at"):
                    raise InputFileError(f"access key {access_key_id}: already revoked")
                record["revoked_at"] = datetime.now(UTC).isoformat()
                record["revoked_by"] = revoked_by
                self._write(records)
                return _key_of(record)
        raise InputFileError(f"access key {access_key_id}: no such key")

    def restore(self, records_before: list[dict[str, Any]]) -> None:
        """Undo a write whose audit event could not be committed."""
        self._write(records_before)

    def snapshot(self) -> list[dict[str, Any]]:
        return self._records()

    def _write(self, records: list[dict[str, Any]]) -> None:
        self._keys_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self._keys_file.with_name(self._keys_file.name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump({"version": 1, "keys": records}, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, self._keys_file)

    def _master_key(self, *, create: bool) -> bytes | None:
        path = self._master_key_file
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            if not create:
                return None
            path.parent.mkdir(parents=True, exist_ok=True)
            data = secrets.token_bytes(_MASTER_KEY_BYTES)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            return data
        if len(data) != _MASTER_KEY_BYTES:
            raise ConfigurationError(f"{path}: not an access-key encryption key")
        return data


def _record_of(key: AccessKey) -> dict[str, Any]:
    return {
        "access_key_id": key.access_key_id,
        "principal": key.principal,
        "role": key.role.value,
        "created_at": key.created_at,
        "created_by": key.created_by,
        "revoked_at": key.revoked_at,
        "revoked_by": key.revoked_by,
    }


def _key_of(record: dict[str, Any]) -> AccessKey:
    return AccessKey(
        access_key_id=str(record["access_key_id"]),
        principal=str(record["principal"]),
        role=Role(record["role"]),
        created_at=str(record["created_at"]),
        created_by=str(record["created_by"]),
        revoked_at=record.get("revoked_at"),
        revoked_by=record.get("revoked_by"),
    )
