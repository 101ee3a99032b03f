"""A field project's rubric and how a level per criterion becomes a weighted score."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from courses.models import FieldProjectPage


def rubric_of(project: FieldProjectPage) -> list[dict]:
    """The project's criteria: id, title, weight and levels (id, title, points, descriptor, rank)."""
    criteria = []
    for block in project.rubric:
        levels = [
            {
                "id": item.id,
                "title": item.value["title"],
                "points": int(item.value["points"]),
                "descriptor": item.value["descriptor"],
                "rank": rank,
            }
            for rank, item in enumerate(block.value["levels"].bound_blocks, start=1)
        ]
        criteria.append(
            {
                "id": block.id,
                "title": block.value["title"],
                "description": block.value["description"],
                "weight": Decimal(str(block.value["weight"])),
                "levels": levels,
            }
        )
    return criteria


def score(project: FieldProjectPage, levels: dict[str, str]) -> dict:
    """Apply the rubric to a level per criterion. Raises ValidationError on unknown ids."""
    criteria = rubric_of(project)
    if not isinstance(levels, dict):
        raise ValidationError({"levels": [_("Give a level id for each criterion id.")]})
    known = {c["id"] for c in criteria}
    unknown = [cid for cid in levels if cid not in known]
    if unknown:
        raise ValidationError({"levels": [_("Unknown criterion: %(id)s.") % {"id": unknown[0]}]})
    missing = [c["title"] for c in criteria if c["id"] not in levels]
    if missing:
        raise ValidationError(
            {"levels": [_("Choose a level for: %(names)s.") % {"names": ", ".join(missing)}]}
        )
    breakdown = []
    weighted = Decimal(0)
    total_weight = Decimal(0)
    lowest_rank = None
    for criterion in criteria:
        chosen = next(
            (lv for lv in criterion["levels"] if lv["id"] == levels[criterion["id"]]), None
        )
        if chosen is None:
            raise ValidationError(
                {
                    "levels": [
                        _("%(criterion)s has no such level.") % {"criterion": criterion["title"]}
                    ]
                }
            )
        top = max(lv["points"] for lv in criterion["levels"]) or 1
        weighted += criterion["weight"] * Decimal(chosen["points"]) / Decimal(top)
        total_weight += criterion["weight"]
        lowest_rank = chosen["rank"] if lowest_rank is None else min(lowest_rank, chosen["rank"])
        breakdown.append(
            {
                "criterion": criterion["id"],
                "title": criterion["title"],
                "weight": str(criterion["weight"]),
                "level": chosen["id"],
                "level_title": chosen["title"],
                "rank": chosen["rank"],
                "points": chosen["points"],
                "max_points": top,
            }
        )
    percent = (Decimal(100) * weighted / total_weight) if total_weight else Decimal(0)
    percent = percent.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    passed = percent >= project.pass_mark and (lowest_rank or 0) >= project.minimum_level
    distinction = bool(passed and project.distinction_mark and percent >= project.distinction_mark)
    return {
        "breakdown": breakdown,
        "percent": percent,
        "passed": passed,
        "distinction": distinction,
    }
