"""Signal receivers of lms.xapi, connected when the app is ready (XapiConfig.ready).

courses and certificates announce learning events inside the transactions that record them;
each receiver writes the event's statements into the outbox in that same transaction. With no
LRS configured they return at once and write nothing.
"""

from django.utils import timezone

from certificates.signals import certificate_issued, certificate_revoked
from courses.signals import (
    learning_event_recorded,
    lesson_viewed,
    milestone_recorded,
    submission_returned,
)
from lms.xapi import recording


def on_learning_event(sender, learner_id, kind, key, payload, occurred_at, **kwargs):
    if recording.xapi_enabled():
        recording.statements_record(
            learner_id,
            recording.events_for_progress(
                learner_id=learner_id, kind=kind, key=key, payload=payload, occurred_at=occurred_at
            ),
        )


def on_milestone(sender, enrolment, kind, page_id, achieved_at, **kwargs):
    if recording.xapi_enabled():
        recording.statements_record(
            enrolment.learner_id,
            recording.events_for_milestone(
                enrolment=enrolment, kind=kind, page_id=page_id, achieved_at=achieved_at
            ),
        )


def on_submission_returned(sender, submission, revision_request, learner_ids, **kwargs):
    if recording.xapi_enabled():
        for learner_id, event in recording.events_for_return(
            submission=submission, revision_request=revision_request, learner_ids=learner_ids
        ):
            recording.statements_record(learner_id, [event])


def on_lesson_viewed(sender, learner, lesson_id, **kwargs):
    if recording.xapi_enabled():
        recording.statements_record(
            learner.id,
            recording.events_for_lesson_view(
                learner_id=learner.id, lesson_id=lesson_id, at=timezone.now()
            ),
        )


def on_certificate_issued(sender, certificate, **kwargs):
    if recording.xapi_enabled():
        recording.statements_record(
            certificate.learner_id,
            recording.events_for_certificate(certificate=certificate, revoked=False),
        )


def on_certificate_revoked(sender, certificate, **kwargs):
    if recording.xapi_enabled():
        recording.statements_record(
            certificate.learner_id,
            recording.events_for_certificate(certificate=certificate, revoked=True),
        )


learning_event_recorded.connect(on_learning_event, dispatch_uid="xapi-learning-event")
milestone_recorded.connect(on_milestone, dispatch_uid="xapi-milestone")
submission_returned.connect(on_submission_returned, dispatch_uid="xapi-returned")
lesson_viewed.connect(on_lesson_viewed, dispatch_uid="xapi-lesson-viewed")
certificate_issued.connect(on_certificate_issued, dispatch_uid="xapi-certificate-issued")
certificate_revoked.connect(on_certificate_revoked, dispatch_uid="xapi-certificate-revoked")
