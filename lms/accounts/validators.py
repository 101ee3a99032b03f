"""Validators for text that ends up on a signed certificate."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def validate_no_control_characters(value: str) -> None:
    """Refuse C0 control characters (tabs and newlines included).

    Names are signed inside the certificate's credential, and the JSON-LD canonicaliser we use
    does not escape control characters the way RDF canonicalisation requires, so a name with one
    would give a credential that other verifiers cannot check.
    """
    if value and _CONTROL.search(value):
        raise ValidationError(
            _("Remove control characters (such as tabs or line breaks) from this text."),
            code="control_characters",
        )
