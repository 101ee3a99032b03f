"""Rubric grading of field projects: the rubric and scoring, who grades what, the grading actions
(save, release, moderate, return) with their append-only history, and the queue.

Import the public names from here; each lives in the module of its concept.
"""

from courses.grading.actions import (
    GradingAction,
    ModerateGradeAction,
    ReturnSubmissionAction,
    SaveGradeAction,
    can_return,
    default_revision_due,
    grade_as_dict,
    grade_moderate,
    grade_save,
    submission_return,
)
from courses.grading.permissions import (
    GradingPermissionError,
    can_grade,
    gradeable_submissions,
    names_hidden,
    require_grader,
    submission_for_grader,
)
from courses.grading.queue import (
    QueueFilters,
    grading_queue,
    queue_counts,
    queue_filter_choices,
    queue_rows,
    with_queue_data,
)
from courses.grading.rubric import rubric_of, score

__all__ = [
    "GradingAction",
    "GradingPermissionError",
    "ModerateGradeAction",
    "QueueFilters",
    "ReturnSubmissionAction",
    "SaveGradeAction",
    "can_grade",
    "can_return",
    "default_revision_due",
    "grade_as_dict",
    "grade_moderate",
    "grade_save",
    "gradeable_submissions",
    "grading_queue",
    "names_hidden",
    "queue_counts",
    "queue_filter_choices",
    "queue_rows",
    "require_grader",
    "rubric_of",
    "score",
    "submission_for_grader",
    "submission_return",
    "with_queue_data",
]
