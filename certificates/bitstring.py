"""The revocation bitstring of the W3C Bitstring Status List: encoding and reading it.

Pure Python, no Django: the status list credential is built with it, and both verifiers read it.
"""

from __future__ import annotations

import base64
import gzip


def encoded_bitstring(revoked_indexes: list[int], size: int) -> str:
    """Multibase base64url ('u', no padding) of the GZIP-compressed bitstring; index 0 is the
    leftmost bit."""
    bits = bytearray(size // 8)
    for index in revoked_indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode().rstrip("=")


def decode_bitstring(encoded: str) -> bytes:
    """The bitstring of an encodedList; ValueError when it is not one."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url (it must start with 'u').")
    data = encoded[1:]
    try:
        return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError("encodedList is not GZIP-compressed base64url.") from exc


def bit_is_set(bitstring: bytes, index: int) -> bool:
    return bool(bitstring[index // 8] & (0x80 >> (index % 8)))
