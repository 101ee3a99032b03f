"""How a holder's name prints on a certificate: the one place for its size rules.

certificates/pdf.py picks the name's CSS class here, and the profile page's live preview shows
the same size. The certificate's stylesheet (templates/certificates/certificate_pdf.css) sets
the sizes for each class; tests check that it agrees with the points listed here.
"""

from dataclasses import dataclass

FONT_FAMILY = "DejaVu Serif"
FONT_WEIGHT = "bold"


@dataclass(frozen=True)
class NameSize:
    longer_than: int  # characters
    css_class: str
    points: float  # on a bilingual certificate
    points_monolingual: float


DEFAULT_SIZE = NameSize(longer_than=0, css_class="", points=30, points_monolingual=34)
# Longest first: the first rule a name is longer than applies.
NAME_SIZES = (
    NameSize(longer_than=120, css_class="name-xs", points=11, points_monolingual=11),
    NameSize(longer_than=60, css_class="name-s", points=15, points_monolingual=15),
    NameSize(longer_than=34, css_class="name-m", points=22, points_monolingual=24),
)


def holder_name_size(name: str) -> NameSize:
    length = len(name)
    for size in NAME_SIZES:
        if length > size.longer_than:
            return size
    return DEFAULT_SIZE


def holder_name_rules() -> list[dict]:
    """The rules as data, for the profile page's preview script."""
    return [
        {
            "longer_than": s.longer_than,
            "points": s.points,
            "points_monolingual": s.points_monolingual,
        }
        for s in (*NAME_SIZES, DEFAULT_SIZE)
    ]
