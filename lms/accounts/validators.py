"""Validators for text that ends up on a signed certificate."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 controls, DEL and C1 controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Bidirectional embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI) and the
# ALM/LRM/RLM marks: they can make a printed name read differently from what was stored.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
NAME_MAX_LENGTH = 150


def validate_no_control_characters(value: str) -> None:
    """Refuse C0 and C1 control characters (tabs and newlines included) and bidi controls.

    Names are signed inside the certificate's credential, and the JSON-LD canonicaliser we use
    does not escape control characters the way RDF canonicalisation requires, so a name with one
    would give a credential that other verifiers cannot check. Bidirectional overrides and
    isolates would let a name print (and read) differently from the characters it holds.
    """
    if not value:
        return
    if _CONTROL.search(value):
        raise ValidationError(
            _("Remove control characters (such as tabs or line breaks) from this text."),
            code="control_characters",
        )
    if _BIDI.search(value):
        raise ValidationError(
            _("Remove text-direction control characters (such as right-to-left overrides)."),
            code="bidi_controls",
        )


def validate_full_name(value: str) -> None:
    """The one check of a name printed on certificates: form, API and profile all use it."""
    validate_no_control_characters(value)
    if value and len(value) > NAME_MAX_LENGTH:
        raise ValidationError(
            _("Use at most %(limit)d characters (this has %(count)d).")
            % {"limit": NAME_MAX_LENGTH, "count": len(value)},
            code="max_length",
        )
