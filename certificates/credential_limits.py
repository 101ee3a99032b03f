"""Limits a credential must fit before any JSON-LD work is spent on it.

Canonicalising a credential (RDFC-1.0, in pure Python) costs time that grows with the number of
statements in it, and parsing deep JSON recurses. An attacker controls both in an upload, so
every verifier (the site's, certificates.verification, and the offline one,
certificates.offline_verifier) reads a credential through `load_credential_bytes`, which refuses,
before anything else runs:

- more than MAX_CREDENTIAL_BYTES of JSON (after decompression: see `inflate_capped`);
- JSON that is not UTF-8, not an object, or repeats a key in an object (which copy would a
  signature cover? parsers disagree, so the document is refused);
- nesting deeper than MAX_DEPTH, an array longer than MAX_ARRAY_LENGTH, more than MAX_NODES
  values in all, and integers beyond what JSON parsers agree on (2^53).

Our own credentials are far inside the limits (about 4 KB, depth 7, arrays of a few entries).
Nothing here imports Django; the site translates the English messages.
"""

from __future__ import annotations

import json
import zlib

MAX_CREDENTIAL_BYTES = 256 * 1024
MAX_DEPTH = 24
MAX_ARRAY_LENGTH = 200
MAX_NODES = 5_000
MAX_SAFE_INTEGER = 2**53
MAX_INFLATE_CHUNK = 64 * 1024


def gettext_noop(message: str) -> str:
    return message


class CredentialRefused(ValueError):
    """The credential is refused before it is checked: tampered with, or too large to check.
    `too_large` tells the two apart (HTTP 413 rather than 400)."""

    def __init__(self, message: str, *, too_large: bool = False, **params) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params
        self.too_large = too_large


TOO_LARGE = gettext_noop(
    "The credential is too large to be one we issued (more than %(limit)s KB): refused unchecked."
)
DUPLICATE_KEY = gettext_noop(
    "Tampered: the credential repeats the key %(key)s in one object, so it cannot be trusted."
)
TOO_DEEP = gettext_noop(
    "Tampered: the credential is nested more than %(limit)s levels deep; ours never are."
)
ARRAY_TOO_LONG = gettext_noop(
    "Tampered: the credential holds a list of more than %(limit)s entries; ours never do."
)
TOO_MANY_VALUES = gettext_noop(
    "Tampered: the credential holds more than %(limit)s values; ours never do."
)
NUMBER_TOO_LARGE = gettext_noop(
    "Tampered: the credential holds a number too large to be one of ours."
)
NOT_JSON = gettext_noop("The credential is not valid JSON.")
NOT_OBJECT = gettext_noop("The credential is not a JSON object.")


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    document: dict = {}
    for key, value in pairs:
        if key in document:
            raise CredentialRefused(DUPLICATE_KEY, key=json.dumps(key)[:80])
        document[key] = value
    return document


def _bracket_depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings, without recursing (json.loads would)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest  # no need to read further
        elif char in "]}":
            depth -= 1
    return deepest


def check_shape(document) -> None:
    """Refuse a parsed credential that is deeper, longer or bigger than ours ever are (iterative:
    a hostile document cannot make this recurse)."""
    stack = [(document, 1)]
    nodes = 0
    while stack:
        node, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            raise CredentialRefused(TOO_MANY_VALUES, limit=MAX_NODES)
        if isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                raise CredentialRefused(TOO_DEEP, limit=MAX_DEPTH)
            if isinstance(node, list) and len(node) > MAX_ARRAY_LENGTH:
                raise CredentialRefused(ARRAY_TOO_LONG, limit=MAX_ARRAY_LENGTH)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(node, int) and not isinstance(node, bool):
            if abs(node) > MAX_SAFE_INTEGER:
                raise CredentialRefused(NUMBER_TOO_LARGE)
        elif isinstance(node, float) and node != node:  # NaN is not JSON
            raise CredentialRefused(NOT_JSON)


def _constant(name: str):
    raise CredentialRefused(NOT_JSON)  # NaN, Infinity: not JSON


def load_credential_bytes(content: bytes) -> dict:
    """The credential in `content` (UTF-8 JSON), refused with CredentialRefused unless it fits
    every limit above. Nothing here canonicalises or expands."""
    if len(content) > MAX_CREDENTIAL_BYTES:
        raise CredentialRefused(TOO_LARGE, too_large=True, limit=MAX_CREDENTIAL_BYTES // 1024)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CredentialRefused(NOT_JSON) from exc
    if _bracket_depth(text) > MAX_DEPTH:
        raise CredentialRefused(TOO_DEEP, limit=MAX_DEPTH)
    try:
        document = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_constant,
            # Digits are counted before int() runs: a 4,000-digit number is refused as such.
            parse_int=_safe_int,
        )
    except CredentialRefused:
        raise
    except (ValueError, RecursionError) as exc:
        raise CredentialRefused(NOT_JSON) from exc
    if not isinstance(document, dict):
        raise CredentialRefused(NOT_OBJECT)
    check_shape(document)
    return document


def _safe_int(digits: str) -> int:
    if len(digits.lstrip("-")) > 16:
        raise CredentialRefused(NUMBER_TOO_LARGE)
    return int(digits)


def check_document(document) -> None:
    """The same limits for a credential that arrives already parsed (an API body, a registry
    row): its serialised size and its shape."""
    if not isinstance(document, dict):
        raise CredentialRefused(NOT_OBJECT)
    check_shape(document)
    size = len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_CREDENTIAL_BYTES:
        raise CredentialRefused(TOO_LARGE, too_large=True, limit=MAX_CREDENTIAL_BYTES // 1024)


class InflateLimitExceeded(ValueError):
    """A compressed stream inflates to more than allowed."""


def inflate_capped(data: bytes, limit: int) -> bytes:
    """zlib-inflate `data`, stopping as soon as the output would pass `limit` bytes (a zip bomb
    costs at most `limit` bytes of memory and the time to produce them)."""
    inflater = zlib.decompressobj()
    out = bytearray()
    pending = data
    while True:
        chunk = inflater.decompress(pending, MAX_INFLATE_CHUNK)
        out += chunk
        if len(out) > limit:
            raise InflateLimitExceeded(f"inflates to more than {limit} bytes")
        pending = inflater.unconsumed_tail
        if not pending and not chunk:
            return bytes(out)
