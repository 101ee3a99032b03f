"""Dates as credentials write and compare them (UTC to the second, always with a time zone), and
as people read them, in words.

Pure Python, no Django: the credential builder, both verifiers and the DID document use it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from babel.dates import format_date

# The Babel locale each language writes its dates in: British English puts the day first,
# "4 December 2026", as certificates do; Chinese writes "2026年12月4日".
DATE_LOCALES = {"en": "en_GB", "zh-hans": "zh_Hans_CN"}


def xsd_datetime(moment: datetime) -> str:
    """UTC, to the second, as credentials write dates: 2026-11-27T09:30:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value) -> datetime | None:
    """A date-time with a time zone (xsd:dateTimeStamp), or None. A time without a zone is
    ambiguous, so it counts as no date at all rather than being compared with aware times."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def period_covers(moment: datetime, valid_from: datetime | None, valid_until: datetime | None):
    """Whether `moment` falls in [valid_from, valid_until); an open end is unbounded."""
    return (valid_from is None or valid_from <= moment) and (
        valid_until is None or moment < valid_until
    )


def date_in_words(value: date | str | None, language: str = "en") -> str:
    """A date (or an ISO date string) in words in `language`: "4 December 2026", "2026年12月4日".
    Empty for no date."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    elif isinstance(value, datetime):
        value = value.date()
    return format_date(value, format="long", locale=DATE_LOCALES.get(language.lower(), "en_GB"))
