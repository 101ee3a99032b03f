"""Map any language's page to the page in the default language, which learning records use."""

from django.http import Http404
from wagtail.models import Locale, Page


def default_locale() -> Locale:
    return Locale.get_default()


def canonical_page(page: Page) -> Page:
    """The default-language page of `page`'s translation set (itself if it is one)."""
    locale = default_locale()
    if page.locale_id == locale.id:
        return page
    source = page.get_translation_or_none(locale)
    return source if source is not None else page


def canonical_specific(model, page_id: int):
    """The live default-language page of type `model` for a page id in any language, or 404."""
    page = model.objects.live().filter(id=page_id).first()
    if page is None:
        raise Http404(f"No {model._meta.verbose_name} with id {page_id}.")
    canonical = canonical_page(page)
    return canonical.specific if not isinstance(canonical, model) else canonical


def localized(page: Page, locale: Locale | None = None) -> Page:
    """The translation of `page` in `locale` (the active language if None), else `page`."""
    locale = locale or Locale.get_active()
    if page.locale_id == locale.id:
        return page
    translation = page.get_translation_or_none(locale)
    return translation if translation is not None and translation.live else page
