"""Wagtail admin: cohorts, teaching assignments, enrolments, submissions and evidence."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic import CreateView, IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import ListingButton
from wagtail.permissions import register_permission_policy

from courses.enrolment import enrolment_on_current_outline, enrolment_outline_update
from courses.models import (
    AttemptAllowance,
    Cohort,
    CoursePage,
    Enrolment,
    EvidenceSubmission,
    Submission,
    TeachingAssignment,
)
from courses.outline import get_outline
from lms.errors import Conflict
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


class EnrolmentOutlineView(InspectView):
    """Staff move a qualification enrolment to the qualification's current outline
    (courses.enrolment.enrolment_outline_update): GET shows both outlines, POST moves."""

    any_permission_required = ["change"]
    template_name = "courses/admin/enrolment_outline.html"
    page_title = gettext_lazy("Move to the current outline")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kept = (self.object.requirements or {}).get("courses", [])
        shape = get_outline().qualifications.get(self.object.page_id)
        current = list(shape.course_ids) if shape else []
        titles = dict(
            CoursePage.objects.filter(id__in=[*kept, *current]).values_list("id", "title")
        )
        context.update(
            kept_courses=[titles.get(cid, f"#{cid}") for cid in kept],
            current_courses=[titles.get(cid, f"#{cid}") for cid in current],
            on_current=enrolment_on_current_outline(self.object),
            index_url=reverse(self.index_url_name),
        )
        return context

    def post(self, request, *args, **kwargs):
        try:
            moved = enrolment_outline_update(enrolment=self.object)
        except (Conflict, ValidationError) as exc:
            messages.error(request, getattr(exc, "message", None) or " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(learner)s now follows the current outline.") % {"learner": self.object.learner}
                if moved
                else _("This enrolment was on the current outline already."),
            )
        return redirect(reverse(self.index_url_name))


class EnrolmentIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if instance.kind == Enrolment.Kind.QUALIFICATION and not enrolment_on_current_outline(
            instance
        ):
            buttons.append(
                ListingButton(
                    _("Move to the current outline"),
                    url=reverse("enrolment:current_outline", args=[instance.pk]),
                    icon_name="resubmit",
                    priority=30,
                )
            )
        return buttons


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
    index_view_class = EnrolmentIndexView

    @property
    def current_outline_view(self):
        return self.construct_view(
            EnrolmentOutlineView,
            **{
                **self.get_inspect_view_kwargs(),
                "template_name": EnrolmentOutlineView.template_name,
            },
        )

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("current-outline/<int:pk>/", self.current_outline_view, name="current_outline"),
        ]


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
