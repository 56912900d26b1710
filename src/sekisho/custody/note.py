"""C2SP signed-note, tlog-checkpoint and tlog-cosignature (Ed25519), byte for byte.

Why our own code: the formats are small and exact, and we must reproduce the published Go and
tessera signatures bit for bit. Keys travel as C2SP text: verifier keys
`<name>+<hex key id>+<base64(type || public key)>` and signer keys
`PRIVATE+KEY+<name>+<hex key id>+<base64(type || 32-byte seed)>` (Go's sumdb/note form).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from sekisho.custody.merkle import HASH_SIZE
from sekisho.errors import VerificationError

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04  # timestamped Ed25519 cosignature (c2sp.org/tlog-cosignature)
SIG_PREFIX = "\u2014 "  # em dash, space
MAX_SIGNATURES = 100  # C2SP: accept at least 16; Go's sumdb/note stops at 100
COSIGNATURE_HEADER = b"cosignature/v1\n"
_DECIMAL = re.compile(r"^(0|[1-9][0-9]*)$")


class NoteError(VerificationError):
    """A note, key or checkpoint is malformed or its signatures do not verify."""


def b64decode_strict(text: str) -> bytes:
    """Standard padded base64 in its one canonical spelling (no stray bits in the last
    character), so that changing any character of a note or receipt changes its meaning."""
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if base64.b64encode(raw).decode("ascii") != text:
        raise ValueError("non-canonical base64")
    return raw


def _b64decode(text: str, what: str) -> bytes:
    try:
        return b64decode_strict(text)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise NoteError(f"{what} is not valid base64") from exc


def valid_key_name(name: str) -> bool:
    """Key names are non-empty, with no Unicode spaces, no '+', no control characters."""
    return bool(name) and not any(c.isspace() or c == "+" or ord(c) < 0x20 for c in name)


def key_id(name: str, alg: int, public: bytes) -> bytes:
    """First four bytes of SHA-256(name || 0x0A || type || public key)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public).digest()[:4]


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A trusted public key: Ed25519 note signatures (0x01) or cosignatures (0x04)."""

    name: str
    key_id: bytes
    alg: int
    public: bytes

    @property
    def vkey(self) -> str:
        """The C2SP verifier-key string."""
        data = base64.b64encode(bytes([self.alg]) + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{data}"

    def verify(self, text: bytes, sig: bytes) -> int | None:
        """True signature check over note text; returns the cosignature time (or 0), None if bad."""
        key = Ed25519PublicKey.from_public_bytes(self.public)
        try:
            if self.alg == ALG_ED25519:
                if len(sig) != 64:
                    return None
                key.verify(sig, text)
                return 0
            if len(sig) != 72:
                return None
            (timestamp,) = struct.unpack(">Q", sig[:8])
            if timestamp >= 1 << 63:
                return None
            key.verify(sig[8:], cosignature_message(text, timestamp))
            return timestamp
        except InvalidSignature:
            return None


@dataclass(frozen=True)
class Signer:
    """A private key that signs notes (0x01) or cosigns checkpoints (0x04)."""

    name: str
    key_id: bytes
    alg: int
    private: Ed25519PrivateKey = field(repr=False, compare=False)

    @property
    def public(self) -> bytes:
        return _raw_public(self.private.public_key())

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.key_id, self.alg, self.public)

    @property
    def skey(self) -> str:
        """The signer-key string (keep it secret)."""
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        seed = self.private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        data = base64.b64encode(bytes([self.alg]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{data}"

    def sign(self, text: bytes, timestamp: int | None = None) -> bytes:
        """Signature bytes after the key id (for 0x04: 8-byte time || signature)."""
        if self.alg == ALG_ED25519:
            return self.private.sign(text)
        if timestamp is None or not 0 <= timestamp < 1 << 63:
            raise ValueError("a cosignature needs a timestamp in [0, 2**63)")
        return struct.pack(">Q", timestamp) + self.private.sign(
            cosignature_message(text, timestamp)
        )


def cosignature_message(checkpoint_text: bytes, timestamp: int) -> bytes:
    """tlog-cosignature Ed25519 signed message: header, time line, checkpoint body."""
    return COSIGNATURE_HEADER + f"time {timestamp}\n".encode() + checkpoint_text


def generate_signer(name: str, alg: int = ALG_ED25519) -> Signer:
    """A fresh key pair for `name` (a schema-less URL is recommended)."""
    if not valid_key_name(name):
        raise NoteError(f"invalid key name {name!r}: no spaces or '+' allowed")
    if alg not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise NoteError(f"unsupported signature type 0x{alg:02x}")
    private = Ed25519PrivateKey.generate()
    return Signer(name, key_id(name, alg, _raw_public(private.public_key())), alg, private)


def _split_key(text: str, parts: int, what: str) -> list[str]:
    pieces = text.strip().split("+", parts - 1)  # base64 may contain "+"
    if len(pieces) != parts:
        raise NoteError(f"malformed {what}: expected {parts} '+'-separated parts")
    return pieces


def _check_key_parts(name: str, hex_id: str, what: str) -> bytes:
    if not valid_key_name(name):
        raise NoteError(f"malformed {what}: invalid key name {name!r}")
    if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
        raise NoteError(f"malformed {what}: key id must be 8 lowercase hex digits")
    return bytes.fromhex(hex_id)


def parse_vkey(text: str) -> Verifier:
    """Parse a C2SP verifier key; the key id must match the name and key."""
    name, hex_id, data = _split_key(text, 3, "verifier key")
    kid = _check_key_parts(name, hex_id, "verifier key")
    raw = _b64decode(data, "verifier key")
    if not raw or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise NoteError("verifier key: unsupported signature type")
    if len(raw) != 33:
        raise NoteError("verifier key: an Ed25519 public key is 32 bytes")
    if key_id(name, raw[0], raw[1:]) != kid:
        raise NoteError("verifier key: key id does not match the name and public key")
    return Verifier(name, kid, raw[0], raw[1:])


def parse_skey(text: str) -> Signer:
    """Parse a C2SP/Go signer key `PRIVATE+KEY+name+id+base64(type || seed)`."""
    pieces = _split_key(text, 5, "signer key")
    if pieces[:2] != ["PRIVATE", "KEY"]:
        raise NoteError("malformed signer key: must start with PRIVATE+KEY+")
    name, hex_id, data = pieces[2:]
    kid = _check_key_parts(name, hex_id, "signer key")
    raw = _b64decode(data, "signer key")
    if not raw or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1) or len(raw) != 33:
        raise NoteError("signer key: expected type 0x01 or 0x04 and a 32-byte seed")
    private = Ed25519PrivateKey.from_private_bytes(raw[1:])
    if key_id(name, raw[0], _raw_public(private.public_key())) != kid:
        raise NoteError("signer key: key id does not match the name and key")
    return Signer(name, kid, raw[0], private)


@dataclass(frozen=True)
class Signature:
    """One signature line: key name, key id and the signature bytes after the id."""

    name: str
    key_id: bytes
    sig: bytes

    def line(self) -> str:
        return f"{SIG_PREFIX}{self.name} {base64.b64encode(self.key_id + self.sig).decode()}\n"


@dataclass(frozen=True)
class Note:
    """A parsed signed note: its text and the signatures that did or did not verify."""

    text: str
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]
    timestamps: dict[tuple[str, bytes], int] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        lines = "".join(s.line() for s in (*self.verified, *self.unverified))
        return (self.text + "\n" + lines).encode()


def sign_note(text: str | bytes, signers: list[Signer], timestamp: int | None = None) -> bytes:
    """Sign `text` (must end in a newline) with each signer; returns the note bytes."""
    body = text.encode() if isinstance(text, str) else text
    _check_text(body)
    lines = []
    for s in signers:
        lines.append(Signature(s.name, s.key_id, s.sign(body, timestamp)).line())
    return body + b"\n" + "".join(lines).encode()


def add_signatures(note: bytes, signers: list[Signer], timestamp: int | None = None) -> bytes:
    """Append signature lines (e.g. witness cosignatures) to an existing signed note."""
    text, _ = _split(note)
    extra = "".join(Signature(s.name, s.key_id, s.sign(text, timestamp)).line() for s in signers)
    return note + extra.encode()


def _check_text(body: bytes) -> None:
    if not body.endswith(b"\n"):
        raise NoteError("note text must end in a newline")
    try:
        decoded = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError("note is not valid UTF-8") from exc
    if any(ord(c) < 0x20 and c != "\n" for c in decoded):
        raise NoteError("note contains a control character")


def _split(msg: bytes) -> tuple[bytes, list[Signature]]:
    """Split a note into text and parsed signature lines (no verification)."""
    try:
        decoded = msg.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError("malformed note: not valid UTF-8") from exc
    if any(ord(c) < 0x20 and c != "\n" for c in decoded):
        raise NoteError("malformed note: control character")
    cut = msg.rfind(b"\n\n")
    if cut < 0:
        raise NoteError("malformed note: no blank line before the signatures")
    text, sig_block = msg[: cut + 1], msg[cut + 2 :]
    if not sig_block.endswith(b"\n"):
        raise NoteError("malformed note: signature block must end in a newline")
    sigs: list[Signature] = []
    for raw_line in sig_block[:-1].decode().split("\n"):
        if not raw_line.startswith(SIG_PREFIX):
            raise NoteError("malformed note: a line after the blank line is not a signature")
        name, sep, data = raw_line[len(SIG_PREFIX) :].partition(" ")
        if not sep or not valid_key_name(name) or " " in data:
            raise NoteError(f"malformed note: bad signature line for {name!r}")
        raw = _b64decode(data, f"signature by {name}")
        if len(raw) < 5:
            raise NoteError(f"malformed note: signature by {name} is too short")
        sigs.append(Signature(name, raw[:4], raw[4:]))
        if len(sigs) > MAX_SIGNATURES:
            raise NoteError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    return text, sigs


def open_note(msg: bytes, verifiers: list[Verifier]) -> Note:
    """Parse and verify: unknown keys are ignored, a bad known signature rejects the note, and
    at least one known signature must verify (C2SP signed-note rules)."""
    text, sigs = _split(msg)
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: list[Signature] = []
    unverified: list[Signature] = []
    times: dict[tuple[str, bytes], int] = {}
    seen: set[tuple[str, bytes]] = set()
    for s in sigs:
        k = (s.name, s.key_id)
        v = known.get(k)
        if v is None:
            unverified.append(s)
            continue
        ts = v.verify(text, s.sig)
        if ts is None:
            raise NoteError(f"invalid signature for key {s.name}+{s.key_id.hex()}")
        if k not in seen:
            seen.add(k)
            verified.append(s)
            times[k] = ts
    if not verified:
        raise NoteError("no signature on the note verifies with a known key")
    return Note(text.decode(), tuple(verified), tuple(unverified), times)


@dataclass(frozen=True)
class Checkpoint:
    """The body of a C2SP checkpoint: origin, tree size, root hash, optional extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> bytes:
        lines = [
            self.origin,
            str(self.size),
            base64.b64encode(self.root).decode(),
            *self.extensions,
        ]
        return ("\n".join(lines) + "\n").encode()

    @classmethod
    def parse(cls, text: str | bytes) -> Checkpoint:
        body = text.decode() if isinstance(text, bytes) else text
        if not body.endswith("\n"):
            raise NoteError("checkpoint text must end in a newline")
        lines = body[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError("checkpoint needs origin, size and root hash lines")
        origin, size, root, *ext = lines
        if not origin:
            raise NoteError("checkpoint origin is empty")
        if not _DECIMAL.match(size):
            raise NoteError(f"checkpoint size {size!r} is not a decimal without leading zeroes")
        raw = _b64decode(root, "checkpoint root hash")
        if len(raw) != HASH_SIZE:
            raise NoteError(f"checkpoint root hash is {len(raw)} bytes, not {HASH_SIZE}")
        if any(not e for e in ext):
            raise NoteError("checkpoint extension lines must be non-empty")
        return cls(origin, int(size), raw, tuple(ext))


@dataclass(frozen=True)
class SignedCheckpoint:
    """A verified checkpoint and the note it came in (kept verbatim for receipts)."""

    checkpoint: Checkpoint
    note: Note
    raw: bytes


def sign_checkpoint(cp: Checkpoint, signer: Signer) -> bytes:
    return sign_note(cp.text(), [signer])


def open_checkpoint(
    msg: bytes,
    log_key: Verifier,
    witnesses: tuple[Verifier, ...] | list[Verifier] = (),
    origin: str | None = None,
) -> SignedCheckpoint:
    """Verify a checkpoint signed by `log_key` (cosignatures from known witnesses are checked
    too); the origin must be the expected one when given, else the log key's name."""
    note = open_note(msg, [log_key, *witnesses])
    if not any((s.name, s.key_id) == (log_key.name, log_key.key_id) for s in note.verified):
        raise NoteError(f"checkpoint is not signed by the log key {log_key.name}")
    cp = Checkpoint.parse(note.text)
    want = origin if origin is not None else log_key.name
    if cp.origin != want:
        raise NoteError(f"checkpoint origin {cp.origin!r} is not the expected {want!r}")
    return SignedCheckpoint(cp, note, msg)
