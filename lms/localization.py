"""Pages across languages: the one place that maps a page to its other-language versions.

Learning records (completions, attempts, enrolments, awards) point at the page in the default
language, the *canonical* page; visitors read the page in their own language, its *localized*
version. Every mapping between the two goes through this module: one page at a time, or a whole
list in one query (`canonical_ids`, `localized_many`, `localized_by_id`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404
from django.utils.translation import gettext as _
from wagtail.models import Locale, Page


def default_locale() -> Locale:
    return Locale.get_default()


# --- to the default language ----------------------------------------------------------------


def canonical(page: Page) -> Page:
    """The default-language page of `page`'s translation set (itself if it is one, or if the
    default-language page is missing)."""
    locale = default_locale()
    if page.locale_id == locale.id:
        return page
    source = page.get_translation_or_none(locale)
    return source if source is not None else page


def canonical_ids(pages: Iterable[Page]) -> dict[int, int]:
    """Each page's id mapped to the id of its default-language translation (one query at most)."""
    pages = list(pages)
    locale = default_locale()
    mapping = {p.id: p.id for p in pages if p.locale_id == locale.id}
    others = [p for p in pages if p.locale_id != locale.id]
    if others:
        by_key = dict(
            Page.objects.filter(
                translation_key__in={p.translation_key for p in others}, locale=locale
            ).values_list("translation_key", "id")
        )
        for page in others:
            mapping[page.id] = by_key.get(page.translation_key, page.id)
    return mapping


def canonical_id(page: Page) -> int:
    return canonical_ids([page])[page.id]


def canonical_specific(model: type[Page], page_id: int) -> Page:
    """The live default-language page of type `model` for a page id in any language, or 404."""
    page = model.objects.live().filter(id=page_id).first()
    if page is None:
        raise Http404(f"No {model._meta.verbose_name} with id {page_id}.")
    found = canonical(page)
    return found if isinstance(found, model) else found.specific


def shown_and_canonical(model: type[Page], page_id: int) -> tuple[Page, Page]:
    """The live page with this id as a visitor sees it (in its own language), and its
    default-language page of type `model`, which learning records use; 404 if there is none."""
    return live_page(page_id), canonical_specific(model, page_id)


def live_page(page_id: int) -> Page:
    """The live page with this id in whatever language it is, as its specific type, or 404."""
    page = Page.objects.live().filter(id=page_id).specific().first()
    if page is None:
        raise Http404(_("That page does not exist."))
    return page


# --- to the reader's language ---------------------------------------------------------------


def localized(page: Page, locale: Locale | None = None) -> Page:
    """The live translation of `page` in `locale` (the active language if None), else `page`."""
    locale = locale or Locale.get_active()
    if page.locale_id == locale.id:
        return page
    translation = page.get_translation_or_none(locale)
    return translation if translation is not None and translation.live else page


def localized_many(pages: Iterable[Page], locale: Locale | None = None) -> list[Page]:
    """Each page in `locale` where a live translation exists, else itself, in order (one query).

    Translations come back as their specific types."""
    pages = list(pages)
    if not pages:
        return []
    locale = locale or Locale.get_active()
    translations = {
        p.translation_key: p
        for p in Page.objects.live()
        .filter(translation_key__in={p.translation_key for p in pages}, locale=locale)
        .specific()
    }
    return [translations.get(p.translation_key, p) for p in pages]


def localized_by_id(page_ids: Iterable[int], locale: Locale | None = None) -> dict[int, Page]:
    """Page ids (in any language) mapped to those pages in `locale` where translated (two
    queries); ids of pages that do not exist are left out."""
    originals = list(Page.objects.filter(id__in=set(page_ids)))
    shown = localized_many(originals, locale)
    return {original.id: page for original, page in zip(originals, shown, strict=True)}


def localized_in_language(page_id: int, language_code: str) -> Page | None:
    """The page with this id in the language `language_code` (a live translation, else the page
    itself), or None when no such page exists. For work done outside a request (emails)."""
    page = Page.objects.filter(id=page_id).first()
    if page is None:
        return None
    locale = Locale.objects.filter(language_code=language_code).first()
    return localized(page, locale) if locale is not None else page
