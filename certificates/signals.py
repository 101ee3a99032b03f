"""Signals certificates sends; other apps listen without certificates importing them.

Both are sent inside the transaction that records what they announce.
"""

from django.dispatch import Signal

# A certificate was issued (first issue or re-issue). Args: certificate.
certificate_issued = Signal()

# A certificate was revoked. Args: certificate.
certificate_revoked = Signal()
