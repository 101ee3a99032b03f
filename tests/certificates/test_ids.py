"""Certificate IDs: random, at least 128 bits, typeable from paper, with a check character."""

import math
import re

import pytest

from certificates.ids import ALPHABET, RANDOM_CHARS, format_id, new_certificate_id, normalize_id

ID_SHAPE = re.compile(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}")


def test_new_ids_are_grouped_crockford_base32_with_a_check_character():
    certificate_id = new_certificate_id()
    assert ID_SHAPE.fullmatch(certificate_id), certificate_id
    assert normalize_id(certificate_id) == certificate_id
    assert RANDOM_CHARS * math.log2(len(ALPHABET)) >= 128


def test_new_ids_are_random_not_sequential():
    ids = [new_certificate_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    # Every character of the alphabet turns up in every random position: no counter, no prefix.
    for position in range(RANDOM_CHARS):
        seen = {i.replace("-", "")[position] for i in ids}
        assert seen == set(ALPHABET), position
    assert sorted(ids) != ids


def test_reading_forgives_case_spaces_dashes_and_look_alike_letters():
    certificate_id = new_certificate_id()
    compact = certificate_id.replace("-", "")
    assert normalize_id(compact.lower()) == certificate_id
    assert normalize_id(" ".join(certificate_id.split("-"))) == certificate_id
    body = "1" * (RANDOM_CHARS - 2) + "00"
    typed = format_id(body + _check(body))
    assert normalize_id(typed.replace("1", "I", 3).replace("0", "o")) == typed
    assert normalize_id(typed.replace("1", "l")) == typed


def _check(body: str) -> str:
    from certificates.ids import _check_char

    return _check_char(body)


def test_the_check_character_catches_every_single_mistyped_character():
    compact = new_certificate_id().replace("-", "")
    for position, original in enumerate(compact):
        for replacement in ALPHABET:
            if replacement != original:
                typo = compact[:position] + replacement + compact[position + 1 :]
                assert normalize_id(typo) is None, (position, replacement)


def test_the_check_character_catches_swapped_neighbours():
    caught = missed = 0
    for _ in range(50):
        compact = new_certificate_id().replace("-", "")
        for i in range(len(compact) - 1):
            if compact[i] == compact[i + 1]:
                continue
            swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2 :]
            if normalize_id(swapped) is None:
                caught += 1
            else:
                missed += 1
    # Luhn mod 32 misses only the swap of one pair of values (0 and 31, i.e. "0" and "Z").
    assert missed <= caught / 100


@pytest.mark.parametrize(
    "text",
    ["", "ABCD", "X" * 65, "0000-0000-0000-0000-0000-0000-000U", None, 12345, "<script>"],
)
def test_anything_else_is_not_an_id(text):
    assert normalize_id(text) is None
