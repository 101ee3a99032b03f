"""Certificate IDs: 135 random bits in Crockford base32, a check character, groups of four.

e.g. `7K3Q-9ZP2-X4TM-C8VB-QH5R-2WD6-N0FA`: 27 random characters and a Luhn mod 32 check
character that catches a mistyped or swapped character. Reading is forgiving: case, spaces,
dashes and the letters I, L and O (read as 1, 1 and 0) do not matter.
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_CHARS = 27
GROUP = 4
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0", "-": None, " ": None})


def _check_char(body: str) -> str:
    """Luhn mod N (N = 32) over the body's characters."""
    factor, total = 2, 0
    for ch in reversed(body):
        addend = factor * _VALUE[ch]
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def new_certificate_id() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_CHARS))
    return format_id(body + _check_char(body))


def format_id(compact: str) -> str:
    return "-".join(compact[i : i + GROUP] for i in range(0, len(compact), GROUP))


def normalize_id(text: str) -> str | None:
    """The canonical grouped form of a typed ID, or None if it is not a valid ID."""
    if not isinstance(text, str) or len(text) > 64:
        return None
    compact = text.upper().translate(_READ_AS)
    if len(compact) != RANDOM_CHARS + 1 or any(ch not in _VALUE for ch in compact):
        return None
    if _check_char(compact[:-1]) != compact[-1]:
        return None
    return format_id(compact)
