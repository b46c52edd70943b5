"""The checkpoint signing key: a file at the settings path, never in the database.

The file holds one signed-note signer key (`PRIVATE+KEY+name+hash+base64`) and is created
with mode 0600 on first use. The public half is printed by `leadreview audit key` for
handing to an outside auditor.
"""

import os
import stat
from pathlib import Path

from leadreview.audit.note import NoteError, Signer, Verifier
from leadreview.errors import ConfigurationError


def key_name_for(origin: str) -> str:
    """Signed-note key names may not hold spaces or '+'; by convention they are the origin."""
    name = "".join("-" if c.isspace() or c == "+" else c for c in origin.strip())
    return name or "leadreview"


def check_origin(origin: str) -> str:
    """A checkpoint origin is one non-empty line of printable text (C2SP tlog-checkpoint)."""
    if not origin.strip() or any(c < " " or c == "\x7f" for c in origin):
        raise ConfigurationError(
            f"log origin {origin!r} must be one non-empty line without control characters"
        )
    return origin


def load_signer(path: Path) -> Signer:
    from leadreview.errors import InputFileError
    from leadreview.io.limits import read_limited

    try:
        mode = path.stat().st_mode
        # Bounded, and never /dev/zero or a FIFO named in the settings.
        text = read_limited(path, "signing key", 64 * 1024).decode("utf-8")
    except InputFileError as exc:
        if isinstance(exc.__cause__, FileNotFoundError) or not path.exists():
            raise ConfigurationError(
                f"signing key {path} does not exist (run `leadreview audit key` to create it)"
            ) from None
        raise ConfigurationError(f"signing key {exc.message}") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"signing key {path}: not UTF-8 text") from None
    except FileNotFoundError:
        raise ConfigurationError(
            f"signing key {path} does not exist (run `leadreview audit key` to create it)"
        ) from None
    except OSError as exc:
        raise ConfigurationError(f"signing key {path}: {exc.strerror or exc}") from None
    if stat.S_IMODE(mode) & 0o077:
        raise ConfigurationError(
            f"signing key {path} is readable by others (mode {stat.S_IMODE(mode):o}); chmod 600 it"
        )
    try:
        return Signer.parse(text)
    except NoteError as exc:
        raise ConfigurationError(f"signing key {path}: {exc}") from None


def load_or_create_signer(path: Path, origin: str) -> tuple[Signer, bool]:
    """The signer at `path`, generating it if absent; (signer, created)."""
    if path.exists():
        return load_signer(path), False
    signer = Signer.generate(key_name_for(origin))
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # O_EXCL: two first uses at once must not both write a key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_signer(path), False
    except OSError as exc:
        raise ConfigurationError(f"signing key {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(signer.text() + "\n")
    return signer, True


def read_verifier_text(key: str) -> str:
    """A public key given as text, or the text of the file it names."""
    candidate = Path(key)
    text = key
    try:
        if candidate.is_file():
            text = candidate.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError:
        raise ConfigurationError(f"public key {key}: not UTF-8 text") from None
    except OSError:
        pass
    return text


def read_verifier(key: str) -> Verifier:
    """A verifier key given as text or as the path of a file holding it."""
    text = read_verifier_text(key)
    try:
        return Verifier.parse(text)
    except NoteError as exc:
        raise ConfigurationError(f"public key {key!r}: {exc}") from None
