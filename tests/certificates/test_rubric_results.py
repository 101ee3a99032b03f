"""What a certificate says about the learner's achievement, for people and for machines: the
rubric and its levels as Open Badges result descriptions, the learner's level on each criterion
and the overall result in the signed credential, and the transcript page of the PDF with the
courses and their completion dates."""

import io
import json

import pytest
from pypdf import PdfReader

from certificates.credential_checks import format_problems
from certificates.dates import date_in_words
from certificates.jsonld import assert_fully_defined, expand
from certificates.verification import Status, verify_by_id
from courses.models import Milestone
from tests.certificates.conftest import learn_and_pass
from tests.conftest import make_user


@pytest.fixture
def graded(curriculum, instructor, second_instructor, django_capture_on_commit_callbacks):
    """A certificate earned the whole way, the project graded Excellent on Strategy and
    Proficient on Governance (91.67%, a distinction) and moderated."""

    def earn(learner, levels=None):
        return learn_and_pass(
            learner=learner,
            curriculum=curriculum,
            instructor=instructor,
            second_instructor=second_instructor,
            capture=django_capture_on_commit_callbacks,
            levels=levels,
        )

    return earn


def test_the_credential_describes_the_rubric_and_the_learners_results(graded, curriculum):
    certificate = graded(make_user("learner", "rubric-holder"))
    credential = certificate.credential
    achievement = credential["credentialSubject"]["achievement"]
    achievement_id = achievement["id"]
    descriptions = {d["id"]: d for d in achievement["resultDescription"]}
    criteria = [
        d for d in achievement["resultDescription"] if d["resultType"] == "RubricCriterionLevel"
    ]

    # One description per rubric criterion, its levels from lowest to highest.
    assert [d["name"] for d in criteria] == ["Strategy", "Governance"]
    for description in criteria:
        assert description["type"] == ["ResultDescription"]
        assert description["id"].startswith(f"{achievement_id}#rubric-")
        levels = description["rubricCriterionLevel"]
        assert [level["name"] for level in levels] == [
            "Emerging",
            "Developing",
            "Proficient",
            "Excellent",
        ]
        assert [level["points"] for level in levels] == ["1", "2", "3", "4"]
        assert [level["level"] for level in levels] == ["1", "2", "3", "4"]
        assert all(level["type"] == ["RubricCriterionLevel"] for level in levels)
        assert all(level["description"].endswith("work.") for level in levels)
        # The level needed to pass: the project's lowest level allowed (2, Developing).
        assert description["requiredLevel"] == levels[1]["id"]

    # The overall score and the result in words.
    score = descriptions[f"{achievement_id}#score"]
    assert score["resultType"] == "Percent"
    assert (score["valueMin"], score["valueMax"], score["requiredValue"]) == ("0", "100", "70")
    outcome = descriptions[f"{achievement_id}#outcome"]
    assert outcome["resultType"] == "PerformanceLevel"
    assert outcome["allowedValue"] == ["Pass", "Distinction"]

    # The learner's results, each pointing at its description (and a level inside it).
    results = credential["credentialSubject"]["result"]
    achieved = {}
    for result in results:
        assert result["type"] == ["Result"]
        description = descriptions[result["resultDescription"]]
        if "achievedLevel" in result:
            level = next(
                lv
                for lv in description["rubricCriterionLevel"]
                if lv["id"] == result["achievedLevel"]
            )
            achieved[description["name"]] = level["name"]
    assert achieved == {"Strategy": "Excellent", "Governance": "Proficient"}
    values = {r["resultDescription"]: r.get("value") for r in results}
    assert values[f"{achievement_id}#score"] == "91.67"
    assert values[f"{achievement_id}#outcome"] == "Distinction"

    # Every term is in the OB 3.0 / VC 2.0 contexts, and the signature covers it all.
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    assert_fully_defined(unsigned)
    assert format_problems(credential) == []
    expanded = json.dumps(expand(unsigned))
    for term in ("#RubricCriterionLevel", "#ResultDescription", "#achievedLevel", "#Result"):
        assert f"https://purl.imsglobal.org/spec/vc/ob/vocab.html{term}" in expanded
    assert verify_by_id(certificate.id).status == Status.VALID


def test_a_pass_without_distinction_is_said_so(graded):
    certificate = graded(
        make_user("learner", "plain-pass"),
        levels={"Strategy": "Proficient", "Governance": "Proficient"},
    )
    project = certificate.frozen["transcript"]["project"]
    assert (project["outcome"], project["percent"]) == ("pass", "75.00")
    results = certificate.credential["credentialSubject"]["result"]
    assert {
        "type": ["Result"],
        "resultDescription": results[-1]["resultDescription"],
        "value": "Pass",
    } in results
    first_page = PdfReader(io.BytesIO(certificate.pdf.open("rb").read())).pages[0].extract_text()
    assert "Pass" in first_page and "Distinction" not in first_page


def test_the_transcript_lists_the_courses_their_dates_and_the_rubric_levels(graded, curriculum):
    learner = make_user("learner", "transcript-holder")
    certificate = graded(learner)
    transcript = certificate.frozen["transcript"]
    completed = {
        m.page_id: m.achieved_at.date().isoformat()
        for m in Milestone.objects.filter(
            enrolment__learner=learner, kind=Milestone.Kind.COURSE_COMPLETE
        )
    }
    assert [c["title"] for c in transcript["courses"]] == ["Course One", "Course Two"]
    assert [c["completed_on"] for c in transcript["courses"]] == [
        completed[curriculum.course("course-one").id],
        completed[curriculum.course("course-two").id],
    ]
    assert transcript["project"]["title"] == "Field project"

    reader = PdfReader(io.BytesIO(certificate.pdf.open("rb").read()))
    assert len(reader.pages) == 2
    page = " ".join(reader.pages[1].extract_text().split())
    for expected in (
        "Transcript",
        "Course One",
        "Course Two",
        date_in_words(transcript["courses"][0]["completed_on"]),
        "Field project",
        "Strategy (2)",
        "Excellent, level 4 of 4",
        "Governance (1)",
        "Proficient, level 3 of 4",
        "Distinction, weighted score 91.67%",
        certificate.id,
    ):
        assert expected in page, expected
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Distinction" in first and "91.67%" in first


def test_a_bilingual_transcript_names_courses_and_levels_in_both_languages(graded):
    certificate = graded(make_user("learner", "zh-transcript", preferred_language="zh-hans"))
    transcript = certificate.frozen["transcript"]
    # The test curriculum's Chinese course titles end in a full-width "(中文)".
    assert [c["title_zh"] for c in transcript["courses"]] == [
        "Course One\uff08中文\uff09",
        "Course Two\uff08中文\uff09",
    ]
    assert transcript["project"]["criteria"][0]["title_zh"] == "战略"
    page = PdfReader(io.BytesIO(certificate.pdf.open("rb").read())).pages[1].extract_text()
    compact = "".join(page.split())
    for expected in (
        "成绩单",
        "CourseOne\uff08中文\uff09",
        "战略",
        "优秀",
        "已完成课程",
        "Transcript",
    ):
        assert expected in compact, expected
    # The credential itself stays in the qualification's own language.
    achievement = certificate.credential["credentialSubject"]["achievement"]
    assert achievement["inLanguage"] == "en"
    assert certificate.frozen["qualification_titles"] == {"zh-hans": "测试资格"}
