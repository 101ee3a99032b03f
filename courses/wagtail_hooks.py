"""Wagtail admin: cohorts, teaching assignments, enrolments, submissions and evidence."""

from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic import CreateView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from courses.models import (
    AttemptAllowance,
    Cohort,
    Enrolment,
    EvidenceSubmission,
    Submission,
    TeachingAssignment,
)
from lms.permissions import RestrictedPolicy

# Enrolments, submissions and evidence are made by learners through the rules, which record
# progress events; the admin may move an enrolment between cohorts or withdraw it, nothing more.
register_permission_policy(Enrolment, RestrictedPolicy(Enrolment, refused=("add", "delete")))
register_permission_policy(Submission, RestrictedPolicy(Submission))
register_permission_policy(EvidenceSubmission, RestrictedPolicy(EvidenceSubmission))


class CohortViewSet(ModelViewSet):
    model = Cohort
    icon = "group"
    form_fields = ["name", "page", "starts_on", "ends_on", "submission_deadline", "instructors"]
    list_display = ["name", "page", "starts_on", "submission_deadline"]
    search_fields = ["name"]
    copy_view_enabled = False


class TeachingAssignmentViewSet(ModelViewSet):
    model = TeachingAssignment
    icon = "user"
    menu_label = "Teaching"
    form_fields = ["instructor", "page"]
    list_display = ["instructor", "page", "created_at"]
    copy_view_enabled = False


class EnrolmentViewSet(ModelViewSet):
    model = Enrolment
    icon = "list-ul"
    form_fields = ["cohort", "status"]
    list_display = ["learner", "page", "kind", "status", "cohort", "enrolled_at"]
    list_filter = ["kind", "status"]
    search_fields = ["learner__username", "learner__full_name"]
    inspect_view_enabled = True
    copy_view_enabled = False
    add_view_enabled = False


class SubmissionViewSet(ModelViewSet):
    model = Submission
    icon = "doc-full"
    form_fields = ["status"]
    list_display = ["id", "field_project", "status", "version_count", "latest_submitted_at"]
    list_filter = ["status"]
    inspect_view_enabled = True
    copy_view_enabled = False


class EvidenceViewSet(ModelViewSet):
    model = EvidenceSubmission
    icon = "clipboard-list"
    form_fields = ["review_note"]
    list_display = ["learner", "qualification", "status", "submitted_at", "reviewed_by"]
    list_filter = ["status"]
    inspect_view_enabled = True
    copy_view_enabled = False


class AllowanceCreateView(CreateView):
    def save_instance(self):
        instance = self.form.save(commit=False)
        instance.granted_by = self.request.user
        instance.save()
        return instance


class AttemptAllowanceViewSet(ModelViewSet):
    """Staff give a learner who used every attempt at a check another chance (either language
    version of the check counts)."""

    model = AttemptAllowance
    icon = "redirect"
    menu_label = "Extra attempts"
    form_fields = ["learner", "check_page", "extra", "reason"]
    list_display = ["learner", "check_page", "extra", "reason", "granted_by", "granted_at"]
    add_view_class = AllowanceCreateView
    copy_view_enabled = False


class LearningGroup(ModelViewSetGroup):
    menu_label = "Learning"
    menu_icon = "group"
    menu_order = 250
    items = (
        CohortViewSet,
        TeachingAssignmentViewSet,
        EnrolmentViewSet,
        SubmissionViewSet,
        EvidenceViewSet,
        AttemptAllowanceViewSet,
    )


@hooks.register("register_admin_viewset")
def register_learning_viewsets():
    return LearningGroup()


@hooks.register("register_admin_menu_item")
def grading_menu_item():
    return MenuItem("Grading queue", "/en/grading/", icon_name="tasks", order=260)
