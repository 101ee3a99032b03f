"""Signals other apps listen to. Certificates awards a qualification when requirements are met."""

from django.dispatch import Signal

# Sent inside the transaction that records the milestone; args: enrolment, achieved_at.
qualification_requirements_met = Signal()
