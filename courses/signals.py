"""Signals other apps listen to. courses never imports its listeners: certificates awards a
qualification when requirements are met, and the interoperability apps (lms.xapi, lms.lti) turn
learning events into records for a Learning Record Store and grades for an institution's LMS.

Every signal here is sent inside the transaction that records what it announces, so a receiver
that writes rows (an outbox) commits or rolls back with the fact itself.
"""

from django.dispatch import Signal

# Args: enrolment, achieved_at.
qualification_requirements_met = Signal()

# A progress event was recorded (courses.progress.event_record).
# Args: learner_id, kind, key, payload, occurred_at.
learning_event_recorded = Signal()

# A milestone was recorded while progress was folded (module or course complete, field project
# passed, qualification requirements met). Args: enrolment, kind, page_id, achieved_at.
milestone_recorded = Signal()

# An instructor returned a field-project submission for revision.
# Args: submission, revision_request, learner_ids.
submission_returned = Signal()

# An enrolled learner opened a lesson page (not sent for a locked lesson).
# Args: learner, lesson_id (the default-language lesson).
lesson_viewed = Signal()
