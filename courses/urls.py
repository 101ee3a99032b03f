"""Learner actions and instructor pages (under the language prefix)."""

from django.urls import path

from courses.views import evidence, grading, learning

urlpatterns = [
    path("learn/enrol/<int:page_id>/", learning.enrol, name="enrol"),
    path(
        "learn/lessons/<int:lesson_id>/complete/", learning.lesson_complete, name="lesson-complete"
    ),
    path("learn/checks/<int:check_id>/attempt/", learning.check_attempt, name="check-attempt"),
    path("learn/projects/<int:project_id>/submit/", learning.project_submit, name="project-submit"),
    path("learn/files/<int:file_id>/", learning.submission_file, name="submission-file"),
    path("learn/evidence/<int:qualification_id>/", evidence.submit, name="evidence-submit"),
    path("grading/", grading.queue, name="grading-queue"),
    path(
        "grading/submissions/<int:submission_id>/",
        grading.submission_detail,
        name="grading-submission",
    ),
    path("grading/submissions/<int:submission_id>/grade/", grading.grade, name="grading-grade"),
    path(
        "grading/submissions/<int:submission_id>/moderate/",
        grading.moderate,
        name="grading-moderate",
    ),
    path(
        "grading/submissions/<int:submission_id>/return/",
        grading.return_for_revision,
        name="grading-return",
    ),
    path("grading/analytics/", grading.analytics_index, name="analytics"),
    path("grading/analytics/<int:page_id>/", grading.analytics_detail, name="analytics-detail"),
    path(
        "grading/analytics/<int:page_id>/grades.csv",
        grading.grades_csv,
        name="analytics-grades-csv",
    ),
    path("grading/evidence/", evidence.review_list, name="evidence-review"),
    path("grading/evidence/<int:evidence_id>/", evidence.review, name="evidence-review-decide"),
]
