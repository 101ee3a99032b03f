"""Learner actions and instructor pages (under the language prefix)."""

from django.urls import include, path

from courses.views import cohorts, evidence, grading, learning

learner_patterns = [
    path("enrol/<int:page_id>/", learning.enrol, name="enrol"),
    path("lessons/<int:lesson_id>/complete/", learning.lesson_complete, name="lesson-complete"),
    path("checks/<int:check_id>/start/", learning.check_start, name="check-start"),
    path("checks/<int:check_id>/attempt/", learning.check_attempt, name="check-attempt"),
    path("projects/<int:project_id>/submit/", learning.project_submit, name="project-submit"),
    path(
        "projects/<int:project_id>/draft/discard/",
        learning.project_draft_discard,
        name="project-draft-discard",
    ),
    path("projects/<int:project_id>/team/", learning.team_invite, name="team-invite"),
    path(
        "invitations/<int:invitation_id>/<slug:answer>/",
        learning.invitation_answer,
        name="invitation-answer",
    ),
    path(
        "submissions/<int:submission_id>/versions/<int:number>/changes/",
        learning.version_diff,
        name="version-diff",
    ),
    path("calendar/", learning.calendar_page, name="calendar"),
    path("calendar/reset/", learning.calendar_reset, name="calendar-reset"),
    path("calendar/<str:token>.ics", learning.calendar_feed, name="calendar-feed"),
    path("files/<int:file_id>/", learning.submission_file, name="submission-file"),
    path("evidence/<int:qualification_id>/", evidence.submit, name="evidence-submit"),
]

submission_patterns = [
    path("", grading.submission_detail, name="grading-submission"),
    path("grade/", grading.grade, name="grading-grade"),
    path("moderate/", grading.moderate, name="grading-moderate"),
    path("return/", grading.return_for_revision, name="grading-return"),
]

instructor_patterns = [
    path("", grading.queue, name="grading-queue"),
    path("submissions/<int:submission_id>/", include(submission_patterns)),
    path("files/<int:file_id>/inline/", grading.submission_file_inline, name="grading-file-inline"),
    path("analytics/", grading.analytics_index, name="analytics"),
    path("analytics/<int:page_id>/", grading.analytics_detail, name="analytics-detail"),
    path("analytics/<int:page_id>/grades.csv", grading.grades_csv, name="analytics-grades-csv"),
    path(
        "analytics/<int:page_id>/charts/<slug:chart_id>.<str:fmt>",
        grading.analytics_chart,
        name="analytics-chart",
    ),
    path(
        "analytics/<int:page_id>/nudge/<int:enrolment_id>/",
        grading.analytics_nudge,
        name="analytics-nudge",
    ),
    path("evidence/", evidence.review_list, name="evidence-review"),
    path("evidence/<int:evidence_id>/", evidence.review, name="evidence-review-decide"),
]

urlpatterns = [
    path("learn/", include(learner_patterns)),
    path("cohorts/join/<str:token>/", cohorts.cohort_invitation, name="cohort-invitation"),
    path("grading/", include(instructor_patterns)),
]
