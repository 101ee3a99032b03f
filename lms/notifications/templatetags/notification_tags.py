"""The bell in the site header: how many notifications the person has not read."""

from django import template

from lms.notifications.services import unread_count

register = template.Library()


@register.inclusion_tag("notifications/bell.html", takes_context=True)
def notification_bell(context, where: str = "menu"):
    """The bell: in the account menu, and (`where="phone"`) beside the phone menu's toggle,
    each shown at its own widths. The count is read once per page."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"show": False}
    if not hasattr(user, "_unread_notifications"):
        user._unread_notifications = unread_count(user)
    return {"show": True, "unread": user._unread_notifications, "where": where}
