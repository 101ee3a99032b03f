"""{% wallet_access %}: the profile page's "Wallets and apps" section. A template tag, so that the
account pages (a lower layer) show it without importing the Open Badges API."""

from django import template

from lms.obapi.services import wallet_access_of

register = template.Library()


@register.inclusion_tag("obapi/_wallets.html", takes_context=True)
def wallet_access(context):
    return {"wallets": wallet_access_of(context["request"].user)}
