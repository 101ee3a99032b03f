"""The home page: the root of each language's site tree, leading to the catalog."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from courses.models import CatalogPage


class HomePage(Page):
    tagline = models.CharField(_("tagline"), max_length=255, blank=True)
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    audience = RichTextField(
        _("who it is for"), blank=True, features=["bold", "italic", "link", "ul"]
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("tagline"),
        FieldPanel("intro"),
        FieldPanel("audience"),
    ]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CatalogPage"]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["catalog"] = CatalogPage.objects.child_of(self).live().first()
        return context
