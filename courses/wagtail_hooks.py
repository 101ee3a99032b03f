"""Wagtail admin: cohorts, teaching assignments, enrolments, submissions and evidence."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic import CreateView, IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import (
    AdminDateInput,
    AdminDateTimeInput,
    AdminPageChooser,
    ListingButton,
)
from wagtail.permissions import register_permission_policy

from courses.cohorts import (
    MAX_CSV_BYTES,
    OUTCOME_LABELS,
    Outcome,
    cohort_import_apply,
    cohort_import_check,
    cohort_invite,
)
from courses.enrolment import enrolment_on_current_outline, enrolment_outline_update
from courses.grading.queue import grading_queue
from courses.models import (
    AttemptAllowance,
    Cohort,
    CohortImport,
    CohortInvitation,
    CoursePage,
    Enrolment,
    EvidenceSubmission,
    Grade,
    QualificationPage,
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


class CohortForm(WagtailAdminModelForm):
    """The cohort's target is chosen among courses and qualifications only, its instructors
    among instructors only (both also refused by the model), its dates with date pickers."""

    class Meta:
        model = Cohort
        fields = ["name", "page", "starts_on", "ends_on", "submission_deadline", "instructors"]
        widgets = {
            "page": AdminPageChooser(target_models=[CoursePage, QualificationPage]),
            "starts_on": AdminDateInput(),
            "ends_on": AdminDateInput(),
            "submission_deadline": AdminDateTimeInput(),
            "instructors": forms.CheckboxSelectMultiple(),
        }


class CohortIndexView(IndexView):
    def get_list_more_buttons(self, instance):
        return [
            *super().get_list_more_buttons(instance),
            ListingButton(
                _("Add learners"),
                url=reverse("cohort_learners", args=[instance.pk]),
                icon_name="user",
                priority=5,
            ),
        ]


class CohortViewSet(ModelViewSet):
    model = Cohort
    icon = "group"
    form_fields = ["name", "page", "starts_on", "ends_on", "submission_deadline", "instructors"]
    list_display = ["name", "page", "starts_on", "submission_deadline"]
    search_fields = ["name"]
    copy_view_enabled = False
    index_view_class = CohortIndexView

    def get_form_class(self, for_update=False):
        return CohortForm


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


# --- adding learners to a cohort: CSV import with a preview, e-mail invitations ---------------


def _staff(request):
    if not request.user.is_staff_member:
        raise PermissionDenied


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(m for ms in exc.message_dict.values() for m in ms)
    return " ".join(exc.messages)


def cohort_learners(request, cohort_id):
    """A cohort's learners, its invitations and imports, and the forms to add more."""
    _staff(request)
    cohort = get_object_or_404(Cohort.objects.select_related("page"), pk=cohort_id)
    return _learners_page(request, cohort)


def _learners_page(request, cohort, *, error=None, invite_error=None, status=200):
    return render(
        request,
        "courses/admin/cohort_learners.html",
        {
            "cohort": cohort,
            "members": Enrolment.objects.filter(cohort=cohort)
            .select_related("learner")
            .order_by("learner__full_name", "learner__username"),
            "invitations": CohortInvitation.objects.filter(cohort=cohort),
            "imports": CohortImport.objects.filter(cohort=cohort)[:10],
            "error": error,
            "invite_error": invite_error,
            "invite_email": request.POST.get("email", "") if invite_error else "",
            "max_mb": MAX_CSV_BYTES // (1024 * 1024),
        },
        status=status,
    )


def cohort_import_upload(request, cohort_id):
    """POST a CSV: checked row by row into a preview (nothing is enrolled yet)."""
    _staff(request)
    cohort = get_object_or_404(Cohort.objects.select_related("page"), pk=cohort_id)
    if request.method != "POST":
        return redirect("cohort_learners", cohort.id)
    upload = request.FILES.get("file")
    if upload is None:
        return _learners_page(request, cohort, error=_("Choose a CSV file to upload."), status=400)
    try:
        checked = cohort_import_check(cohort=cohort, upload=upload, by=request.user)
    except ValidationError as exc:
        return _learners_page(request, cohort, error=_error_text(exc), status=400)
    return redirect("cohort_import_preview", checked.id)


def cohort_import_preview(request, import_id):
    """GET: each row of the file and what applying it will do; POST: apply it."""
    _staff(request)
    checked = get_object_or_404(
        CohortImport.objects.select_related("cohort", "cohort__page"), pk=import_id
    )
    if request.method == "POST":
        result = cohort_import_apply(cohort_import=checked, by=request.user)
        messages.success(
            request,
            _(
                "Import applied: %(enrolled)s enrolled, %(joined)s moved into the cohort, "
                "%(invited)s invited, %(already)s unchanged, %(errors)s rows with errors."
            )
            % result.as_dict(),
        )
        return redirect("cohort_learners", checked.cohort_id)
    rows = [{**row, "label": OUTCOME_LABELS[row["outcome"]]} for row in checked.rows]
    errors = sum(1 for row in rows if row["outcome"] == Outcome.ERROR)
    actionable = sum(
        1 for row in rows if row["outcome"] in (Outcome.ENROL, Outcome.JOIN, Outcome.INVITE)
    )
    return render(
        request,
        "courses/admin/cohort_import_preview.html",
        {
            "import": checked,
            "cohort": checked.cohort,
            "rows": rows,
            "errors": errors,
            "actionable": actionable,
        },
    )


def cohort_invitation_send(request, cohort_id):
    """POST an address: invite it to the cohort (an unknown address is invited to register)."""
    _staff(request)
    cohort = get_object_or_404(Cohort.objects.select_related("page"), pk=cohort_id)
    if request.method != "POST":
        return redirect("cohort_learners", cohort.id)
    try:
        invitation, created = cohort_invite(
            cohort=cohort, email=request.POST.get("email", ""), by=request.user
        )
    except ValidationError as exc:
        return _learners_page(request, cohort, invite_error=_error_text(exc), status=400)
    if created:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
    else:
        messages.info(request, _("%(email)s was invited already.") % {"email": invitation.email})
    return redirect("cohort_learners", cohort.id)


@hooks.register("register_admin_urls")
def cohort_admin_urls():
    return [
        path("cohorts/<int:cohort_id>/learners/", cohort_learners, name="cohort_learners"),
        path(
            "cohorts/<int:cohort_id>/learners/import/",
            cohort_import_upload,
            name="cohort_import_upload",
        ),
        path(
            "cohorts/imports/<int:import_id>/",
            cohort_import_preview,
            name="cohort_import_preview",
        ),
        path(
            "cohorts/<int:cohort_id>/learners/invite/",
            cohort_invitation_send,
            name="cohort_invitation_send",
        ),
    ]


# --- the admin's home: what waits for graders -------------------------------------------------


class GradingWorkPanel(Component):
    """Submissions waiting for a first grade, and grades waiting for a second marker, of what
    the user may grade (courses.grading: the queue's own selection)."""

    name = "grading_work"
    template_name = "courses/admin/home_grading.html"
    order = 110

    def get_context_data(self, parent_context):
        user = parent_context["request"].user
        # A submission whose grade waits for a second marker is counted there, not here.
        submitted = grading_queue(user, status=Submission.Status.SUBMITTED).exclude(
            grades__status=Grade.Status.AWAITING_MODERATION
        )
        moderation = (
            grading_queue(user, status=None)
            .filter(grades__status=Grade.Status.AWAITING_MODERATION)
            .distinct()
        )
        return {
            "awaiting_grading": submitted.count(),
            "oldest_grading": submitted.select_related("field_project")[:5],
            "awaiting_moderation": moderation.count(),
            "queue_url": reverse("grading-queue"),
        }


@hooks.register("construct_homepage_panels")
def grading_home_panels(request, panels):
    if request.user.is_staff_member or request.user.is_instructor:
        panels.append(GradingWorkPanel())
