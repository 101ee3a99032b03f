"""Wagtail admin: staff register the platforms (institutions' LMSs) that launch our courses, see
the platform courses and their cohorts (and bring their members in again), and the scores sent
to the platforms' gradebooks.

The tool's own URLs, which the platform's administrator enters on their side, are shown at the
top of the platform form (and served at /lti/configuration.json).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy

from lms.celery import send
from lms.lti import endpoints
from lms.lti.models import Platform, PlatformContext, ScorePassback
from lms.permissions import RestrictedPolicy

for _model in (PlatformContext, ScorePassback):
    register_permission_policy(_model, RestrictedPolicy(_model, refused=("add",)))


def tool_urls_html() -> str:
    rows = [
        (_("OIDC login initiation URL"), endpoints.absolute(endpoints.LOGIN)),
        (_("Target link URI / redirect URI"), endpoints.absolute(endpoints.LAUNCH)),
        (_("Deep linking URL"), endpoints.absolute(endpoints.LAUNCH)),
        (_("Public keyset (JWKS) URL"), endpoints.absolute(endpoints.JWKS)),
    ]
    items = format_html_join("", "<li>{}: <code>{}</code></li>", rows)
    return format_html(
        "<p>{}</p><ul>{}</ul>",
        _("Enter these in the platform when you add this tool there:"),
        items,
    )


class PlatformViewSet(ModelViewSet):
    model = Platform
    name = "lti_platforms"
    icon = "link"
    menu_label = _("Platforms")
    list_display = ["name", "issuer", "client_id", "is_active", "created_at"]
    search_fields = ["name", "issuer", "client_id"]
    copy_view_enabled = False

    @property
    def panels(self):
        return [
            HelpPanel(content=lazy(tool_urls_html, str)(), heading=_("This tool")),
            FieldPanel("name"),
            FieldPanel("issuer"),
            FieldPanel("client_id"),
            FieldPanel("deployment_ids"),
            FieldPanel("auth_login_url"),
            FieldPanel("auth_token_url"),
            FieldPanel("key_set_url"),
            FieldPanel("auth_audience"),
            FieldPanel("link_by_email"),
            FieldPanel("is_active"),
        ]


class SyncColumn(Column):
    """A button that brings the platform course's members in again."""

    cell_template_name = "lti/admin/sync_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["csrf_token"] = get_token(parent_context["request"])
        return context


class ContextViewSet(ModelViewSet):
    model = PlatformContext
    name = "lti_contexts"
    icon = "group"
    menu_label = _("Platform courses")
    form_fields = ["cohort"]
    list_display = [
        "title",
        "platform",
        "cohort",
        "members_synced_at",
        SyncColumn("sync", label=_("Members")),
    ]
    inspect_view_enabled = True
    copy_view_enabled = False
    add_view_enabled = False


class ScoreViewSet(ModelViewSet):
    model = ScorePassback
    name = "lti_scores"
    icon = "tick"
    menu_label = _("Scores sent")
    form_fields = []
    list_display = ["kind", "link", "account", "score_given", "sent_at", "attempts", "last_error"]
    list_filter = ["kind"]
    inspect_view_enabled = True
    copy_view_enabled = False
    add_view_enabled = False


class LtiGroup(ModelViewSetGroup):
    menu_label = _("LTI")
    menu_icon = "link"
    menu_order = 275
    items = (PlatformViewSet, ContextViewSet, ScoreViewSet)


@hooks.register("register_admin_viewset")
def register_lti_viewsets():
    return LtiGroup()


def sync_members(request, context_id):
    """Bring a platform course's members into its cohort again (Names and Role Provisioning)."""
    if request.method != "POST" or not request.user.is_staff_member:
        raise PermissionDenied
    context = get_object_or_404(PlatformContext, pk=context_id)
    send("lms.lti.tasks.sync_members", context.pk)
    messages.success(
        request, _("The members of %(course)s are being brought in.") % {"course": context}
    )
    return redirect(reverse("lti_contexts:index"))


@hooks.register("register_admin_urls")
def lti_admin_urls():
    return [path("lti/contexts/<int:context_id>/sync/", sync_members, name="lti_admin_sync")]
