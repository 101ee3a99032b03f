"""Template tags for the site frame: the language switcher and small progress charts."""

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language

register = template.Library()

LANGUAGE_NAMES = {"en": "English", "zh-hans": "中文"}


@register.inclusion_tag("includes/language_switcher.html", takes_context=True)
def language_switcher(context):
    """Links to this same page in each language: the page's translation, or the same view."""
    request = context.get("request")
    page = context.get("page")
    current = get_language()
    targets = {}
    if page is not None and hasattr(page, "get_translations"):
        for translation in page.get_translations(inclusive=True).live().select_related("locale"):
            targets[translation.locale.language_code] = translation.url
        missing = [code for code, _name in settings.LANGUAGES if code not in targets]
        if missing:
            targets.update(_nearest_translated_ancestors(page, missing))
    options = []
    for code, _name in settings.LANGUAGES:
        url = targets.get(code)
        if url is None and request is not None:
            url = translate_url(request.get_full_path(), code)
        options.append(
            {
                "code": code,
                "name": LANGUAGE_NAMES.get(code, code),
                "url": url,
                "current": code == current,
            }
        )
    return {"options": options, "csrf_token": context.get("csrf_token"), "current": current}


def _nearest_translated_ancestors(page, codes) -> dict[str, str]:
    """For a page not (yet) translated into some languages: its nearest ancestor that is, so the
    switcher never leads to a missing page."""
    from wagtail.models import Page

    ancestors = list(page.get_ancestors().filter(depth__gt=1))
    depth_of = {a.translation_key: a.depth for a in ancestors}
    found: dict[str, tuple[int, str]] = {}
    translations = (
        Page.objects.live()
        .filter(translation_key__in=depth_of, locale__language_code__in=codes)
        .select_related("locale")
    )
    for translation in translations:
        code = translation.locale.language_code
        depth = depth_of[translation.translation_key]
        if code not in found or depth > found[code][0]:
            found[code] = (depth, translation.url)
    return {code: url for code, (_depth, url) in found.items()}


@register.simple_tag
def progress_chart(series, width=240, height=60):
    """An inline SVG line of (date, percent) points, with a text alternative."""
    if not series:
        return ""
    n = len(series)
    points = []
    for i, (_day, percent) in enumerate(series):
        x = 4 + (width - 8) * (i / (n - 1) if n > 1 else 1)
        y = height - 4 - (height - 8) * percent / 100
        points.append(f"{x:.1f},{y:.1f}")
    first_day, last = series[0][0], series[-1]
    label = f"Progress from {first_day} to {last[0]}: {last[1]}% complete"
    dots = format_html_join(
        "", '<circle cx="{}" cy="{}" r="2.5"></circle>', (p.split(",") for p in points)
    )
    return format_html(
        '<svg class="chart" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-label="{label}">'
        '<title>{label}</title><polyline points="{points}" fill="none"></polyline>{dots}</svg>',
        w=width,
        h=height,
        label=label,
        points=" ".join(points),
        dots=dots,
    )


@register.filter
def percent_of(done, total):
    try:
        return round(100 * int(done) / int(total)) if int(total) else 0
    except (TypeError, ValueError):
        return 0
