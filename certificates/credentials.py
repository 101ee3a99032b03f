"""Building the Open Badges 3.0 credential of a certificate, and the status list credential."""

from __future__ import annotations

import json
from datetime import datetime

from django.conf import settings

from certificates.bitstring import encoded_bitstring
from certificates.dates import xsd_datetime
from certificates.jsonld import CONTEXTS, VC_CONTEXT
from certificates.keys import issuer_profile


def certificate_url(certificate_id: str) -> str:
    return f"{settings.BASE_URL}/certificates/{certificate_id}"


def verify_url(certificate_id: str) -> str:
    return f"{settings.BASE_URL}/verify/{certificate_id}/"


def status_list_url(list_id: int = 1) -> str:
    return f"{settings.BASE_URL}/status/{list_id}"


def language_tag(code: str) -> str:
    """A Django language code as a BCP 47 tag, as `inLanguage` takes it: zh-hans -> zh-Hans."""
    language, _sep, script = (code or "en").partition("-")
    return f"{language}-{script.title()}" if len(script) == 4 else code or "en"


ALIGNMENT_FIELDS = (
    ("target_name", "targetName"),
    ("target_url", "targetUrl"),
    ("target_framework", "targetFramework"),
    ("target_code", "targetCode"),
    ("target_type", "targetType"),
    ("target_description", "targetDescription"),
)
OUTCOME_WORDS = {"pass": "Pass", "distinction": "Distinction"}


def _alignment(row: dict) -> dict:
    alignment = {"type": ["Alignment"]}
    for key, term in ALIGNMENT_FIELDS:
        if row.get(key):
            alignment[term] = row[key]
    return alignment


def _rubric_ids(achievement_id: str, criterion: dict) -> tuple[str, dict[str, str]]:
    """The ids of a criterion's result description and of its levels, inside the achievement."""
    base = f"{achievement_id}#rubric-{criterion['id']}"
    return base, {level["id"]: f"{base}-{level['id']}" for level in criterion["levels"]}


def rubric_results(achievement_id: str, project: dict) -> tuple[list[dict], list[dict]]:
    """The field project's rubric as Open Badges result descriptions (one per criterion, its
    levels as rubric criterion levels, plus the weighted score and the outcome in words) and the
    learner's results, each pointing at its description."""
    descriptions, results = [], []
    for criterion in project["criteria"]:
        description_id, level_ids = _rubric_ids(achievement_id, criterion)
        levels = criterion["levels"]
        description = {
            "id": description_id,
            "type": ["ResultDescription"],
            "name": criterion["title"],
            "resultType": "RubricCriterionLevel",
            "rubricCriterionLevel": [
                {
                    "id": level_ids[level["id"]],
                    "type": ["RubricCriterionLevel"],
                    "name": level["title"],
                    "description": level["descriptor"],
                    "level": str(rank),
                    "points": str(level["points"]),
                }
                for rank, level in enumerate(levels, start=1)
            ],
        }
        minimum = project.get("minimum_level") or 0
        if 1 <= minimum <= len(levels):
            description["requiredLevel"] = level_ids[levels[minimum - 1]["id"]]
        descriptions.append(description)
        if criterion.get("achieved") in level_ids:
            results.append(
                {
                    "type": ["Result"],
                    "resultDescription": description_id,
                    "achievedLevel": level_ids[criterion["achieved"]],
                }
            )
    score_id, outcome_id = f"{achievement_id}#score", f"{achievement_id}#outcome"
    descriptions.append(
        {
            "id": score_id,
            "type": ["ResultDescription"],
            "name": f"{project['title']}: weighted rubric score",
            "resultType": "Percent",
            "valueMin": "0",
            "valueMax": "100",
            "requiredValue": str(project["pass_mark"]),
        }
    )
    outcomes = ["Pass", "Distinction"] if project.get("distinction_mark") else ["Pass"]
    descriptions.append(
        {
            "id": outcome_id,
            "type": ["ResultDescription"],
            "name": f"{project['title']}: result",
            "resultType": "PerformanceLevel",
            "allowedValue": outcomes,
            "requiredValue": "Pass",
        }
    )
    results.append({"type": ["Result"], "resultDescription": score_id, "value": project["percent"]})
    results.append(
        {
            "type": ["Result"],
            "resultDescription": outcome_id,
            "value": OUTCOME_WORDS[project["outcome"]],
        }
    )
    return descriptions, results


def _achievement(frozen: dict) -> dict:
    criteria = {"narrative": frozen["criteria_narrative"]}
    if frozen.get("criteria_url"):
        criteria = {"id": frozen["criteria_url"], **criteria}
    achievement: dict = {
        "id": frozen["achievement_id"],
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": frozen["qualification_title"],
        "description": frozen["qualification_description"],
        "criteria": criteria,
    }
    if frozen.get("achievement_image"):
        achievement["image"] = {
            "id": frozen["achievement_image"],
            "type": "Image",
            "caption": f"Seal of {frozen['qualification_title']}",
        }
    if frozen.get("achievement_language"):
        achievement["inLanguage"] = language_tag(frozen["achievement_language"])
    if frozen.get("human_code"):
        achievement["humanCode"] = frozen["human_code"]
    if frozen.get("alignments"):
        achievement["alignment"] = [_alignment(row) for row in frozen["alignments"]]
    return achievement


def build_credential(
    *,
    certificate_id: str,
    frozen: dict,
    valid_from: datetime,
    valid_until: datetime | None,
    status_index: int,
) -> dict:
    """The unsigned credential. Every property is defined by the VC 2.0 or OB 3.0 context."""
    subject: dict = {
        "type": ["AchievementSubject"],
        "name": frozen["holder_name"],
        "achievement": _achievement(frozen),
    }
    project = (frozen.get("transcript") or {}).get("project")
    if project:
        descriptions, results = rubric_results(frozen["achievement_id"], project)
        subject["achievement"]["resultDescription"] = descriptions
        subject["result"] = results
    # No e-mail hash, even for a certificate frozen with an address: a salted hash published
    # with its salt is found again by hashing guessed addresses (issue 17). Addresses are not
    # verified, so no other identifier is published either: the holder is named.
    credential = {
        "@context": CONTEXTS,
        "id": certificate_url(certificate_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer_profile(),
        "name": frozen["qualification_title"],
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{status_list_url()}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": status_list_url(),
        },
        "evidence": [
            {
                "id": f"{certificate_url(certificate_id)}#evidence-{i}",
                "type": ["Evidence"],
                "name": item["name"],
                "narrative": item["narrative"],
            }
            for i, item in enumerate(frozen["evidence"], start=1)
        ],
    }
    if valid_until is not None:
        credential["validUntil"] = xsd_datetime(valid_until)
    return credential


def build_status_list(
    *,
    revoked_indexes: list[int],
    size: int,
    valid_from: datetime,
    valid_until: datetime,
    list_id: int = 1,
) -> dict:
    url = status_list_url(list_id)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_profile()["id"],
        "validFrom": xsd_datetime(valid_from),
        "validUntil": xsd_datetime(valid_until),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_bitstring(revoked_indexes, size),
        },
    }


def canonical_json(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
