"""Wagtail admin: the xAPI outbox, to see what waits for the LRS and why.

Statements are listed and inspected, never added or edited: they are written by the learning
events themselves and sent by the workers.
"""

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from lms.permissions import RestrictedPolicy
from lms.xapi.models import Statement

register_permission_policy(Statement, RestrictedPolicy(Statement))


class StatementViewSet(ModelViewSet):
    model = Statement
    icon = "list-ul"
    menu_label = "xAPI statements"
    menu_order = 280
    add_to_admin_menu = True
    form_fields = []
    list_display = ["verb", "activity", "learner", "created_at", "sent_at", "attempts"]
    list_filter = ["verb", "sent_at"]
    search_fields = ["activity", "learner__username"]
    inspect_view_enabled = True
    inspect_view_fields = [
        "id",
        "learner",
        "verb",
        "activity",
        "statement",
        "created_at",
        "sent_at",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    copy_view_enabled = False
    add_view_enabled = False


@hooks.register("register_admin_viewset")
def register_statement_viewset():
    return StatementViewSet("xapi_statements")
