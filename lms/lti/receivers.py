"""Signal receivers of lms.lti, connected when the app is ready (LtiConfig.ready): a completed
course or a released grade of a learner who came from a platform becomes a score for its
gradebook, written in the transaction that records it."""

from courses.signals import learning_event_recorded, milestone_recorded
from lms.lti import passback


def on_milestone(sender, enrolment, kind, page_id, achieved_at, **kwargs):
    passback.on_milestone(enrolment=enrolment, kind=kind, page_id=page_id, achieved_at=achieved_at)


def on_learning_event(sender, learner_id, kind, payload, occurred_at, **kwargs):
    passback.on_grade_released(
        learner_id=learner_id, kind=kind, payload=payload, occurred_at=occurred_at
    )


milestone_recorded.connect(on_milestone, dispatch_uid="lti-passback-milestone")
learning_event_recorded.connect(on_learning_event, dispatch_uid="lti-passback-grade")
