"""The field-project report editor (courses/drafts.py, courses/submissions.py, the API and the
project page): drafts saved on the server, a revision that starts from the previous version,
sections with word limits, the server-rendered preview, and what changed between versions.
Nothing a learner wrote is lost when something is refused."""

from __future__ import annotations

import json

import pytest

from courses.drafts import draft_of, draft_save
from courses.grading import submission_return
from courses.models import ReportDraft, Submission, SubmissionVersion
from courses.reports import render_markdown, sections_of, word_count
from lms.errors import Conflict
from tests.courses.helpers import submit


@pytest.fixture
def sections(curriculum):
    profile, plan = sections_of(curriculum.project)
    return profile, plan


def test_the_project_has_its_report_sections_from_the_content_files(curriculum, sections):
    profile, plan = sections
    assert (profile.title, profile.guidance, profile.word_limit) == (
        "Profile",
        "Map the cluster.",
        50,
    )
    assert (plan.title, plan.word_limit) == ("Plan", None)
    # The Chinese page has the same section ids, with its own titles.
    chinese = curriculum.project.get_translation(
        curriculum.project.locale.__class__.objects.get(language_code="zh-hans")
    ).specific
    assert [(s.id, s.title) for s in sections_of(chinese)] == [
        (profile.id, "概况"),
        (plan.id, "计划"),
    ]


def test_a_draft_is_saved_and_read_back_through_the_api(api, curriculum, enrolled, sections):
    profile, plan = sections
    url = f"/field-projects/{curriculum.project.id}/draft"
    empty = api.get(url, user=enrolled).json()
    assert [s["id"] for s in empty["sections"]] == [profile.id, plan.id]
    assert empty["revision"] == 0 and empty["saved_at"] is None

    saved = api.client.put(
        f"/api/v1{url}",
        json.dumps({"sections": {profile.id: "Forty firms.", plan.id: ""}, "revision": 0}),
        content_type="application/json",
        **api._headers(enrolled),
    )
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert body["revision"] == 1 and body["sections"][0]["text"] == "Forty firms."
    assert body["sections"][0]["words"] == 2 and body["sections"][0]["word_limit"] == 50

    # A window still holding revision 0 is refused with the stored draft, not silently lost.
    stale = api.client.put(
        f"/api/v1{url}",
        json.dumps({"sections": {profile.id: "Other window."}, "revision": 0}),
        content_type="application/json",
        **api._headers(enrolled),
    )
    assert stale.status_code == 409
    assert stale.json()["sections"][profile.id] == "Forty firms."
    assert api.get(url, user=enrolled).json()["sections"][0]["text"] == "Forty firms."


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"sections": {"not-a-section": "x"}}, 400),
        ({"sections": {"PROFILE": "x" * 60_001}}, 400),
        ({"sections": ["a list"]}, 400),
        ({}, 400),
    ],
)
def test_bad_drafts_are_refused(api, curriculum, enrolled, sections, payload, status):
    raw = json.dumps(payload).replace("PROFILE", sections[0].id)
    response = api.client.put(
        f"/api/v1/field-projects/{curriculum.project.id}/draft",
        raw,
        content_type="application/json",
        **api._headers(enrolled),
    )
    assert response.status_code == status and response.json()["detail"]
    assert not ReportDraft.objects.exists()


def test_only_enrolled_learners_have_drafts(api, curriculum, learner):
    url = f"/field-projects/{curriculum.project.id}/draft"
    assert api.get(url).status_code == 401
    assert api.get(url, user=learner).status_code == 403


def test_the_preview_uses_the_pages_sanitiser(api, curriculum, enrolled):
    text = "**Bold** <script>alert(1)</script> [x](javascript:alert(1))"
    response = api.post(
        f"/field-projects/{curriculum.project.id}/preview", {"text": text}, user=enrolled
    )
    assert response.status_code == 200
    assert response.json() == {"html": str(render_markdown(text)), "words": word_count(text)}
    assert "<script" not in response.json()["html"]


def test_section_wise_submission_and_a_revision_that_starts_from_it(
    api, client, curriculum, enrolled, instructor, sections
):
    profile, plan = sections
    draft_save(learner=enrolled, project=curriculum.project, texts={profile.id: "Forty firms."})
    response = api.post_multipart(
        f"/field-projects/{curriculum.project.id}/submissions",
        {"sections": json.dumps({profile.id: "Forty firms.", plan.id: "Targets."})},
        user=enrolled,
    )
    assert response.status_code == 201, response.content
    version = SubmissionVersion.objects.get()
    assert version.report == "## Profile\n\nForty firms.\n\n## Plan\n\nTargets."
    assert [s["id"] for s in version.sections] == [profile.id, plan.id]
    assert not ReportDraft.objects.exists()  # submitted: the draft is done with

    submission_return(instructor=instructor, submission=version.submission, feedback="More.")
    # A revision starts from the previous version, in the API and on the page.
    draft = api.get(f"/field-projects/{curriculum.project.id}/draft", user=enrolled).json()
    assert [s["text"] for s in draft["sections"]] == ["Forty firms.", "Targets."]
    assert draft["base_version"] == 1
    client.force_login(enrolled)
    page = client.get(curriculum.project.url).content.decode()
    assert ">Forty firms.</textarea>" in page
    assert "Write version 2" in page

    response = api.post_multipart(
        f"/field-projects/{curriculum.project.id}/submissions",
        {"sections": json.dumps({profile.id: "Forty-two firms in the Ruhr."})},
        user=enrolled,
    )
    assert response.status_code == 201
    changes = api.get(f"/submissions/{version.submission_id}/versions/2/changes", user=enrolled)
    assert changes.status_code == 200
    diff = changes.json()
    assert (diff["version"], diff["against"]) == (2, 1)
    first = diff["sections"][0]
    assert first["changed"]
    assert {"op": "insert", "text": "Forty-two firms in the Ruhr."} in first["changes"]
    assert diff["sections"][1]["changed"]  # the plan was left out of version 2


def test_submitting_the_saved_draft(api, curriculum, enrolled, sections):
    draft_save(learner=enrolled, project=curriculum.project, texts={sections[0].id: "Saved."})
    response = api.post_multipart(
        f"/field-projects/{curriculum.project.id}/submissions",
        {"from_draft": "true"},
        user=enrolled,
    )
    assert response.status_code == 201, response.content
    assert SubmissionVersion.objects.get().sections[0]["text"] == "Saved."


def test_a_refused_submission_keeps_the_text_in_the_page_and_the_draft(
    client, curriculum, enrolled, sections
):
    profile, plan = sections
    too_long = " ".join(["word"] * 51)
    client.force_login(enrolled)
    response = client.post(
        f"/en/learn/projects/{curriculum.project.id}/submit/",
        {f"section-{profile.id}": too_long, f"section-{plan.id}": "A <b>plan</b>."},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Profile has 51 words; its limit is 50." in body
    assert f">{too_long}</textarea>" in body and ">A &lt;b&gt;plan&lt;/b&gt;.</textarea>" in body
    assert not Submission.objects.exists()
    assert draft_of(enrolled, curriculum.project).texts == {
        profile.id: too_long,
        plan.id: "A <b>plan</b>.",
    }


def test_save_draft_without_javascript(client, curriculum, enrolled, sections):
    client.force_login(enrolled)
    response = client.post(
        f"/en/learn/projects/{curriculum.project.id}/submit/",
        {f"section-{sections[0].id}": "Typed without scripts.", "action": "draft"},
    )
    assert response.status_code == 302 and response["Location"].endswith("#editor")
    assert not Submission.objects.exists()
    page = client.get(curriculum.project.url).content.decode()
    assert ">Typed without scripts.</textarea>" in page


def test_a_draft_started_before_a_team_mates_version_says_so(curriculum, enrolled, sections):
    draft_save(learner=enrolled, project=curriculum.project, texts={sections[0].id: "Mine."})
    submit(enrolled, curriculum.project, report="Version one.")
    draft_save(learner=enrolled, project=curriculum.project, texts={sections[0].id: "Next."})
    assert not draft_of(enrolled, curriculum.project).outdated
    # The base is the version the draft started from; a newer version makes it outdated.
    ReportDraft.objects.update(base_version=0)
    assert draft_of(enrolled, curriculum.project).outdated


def test_a_graded_submission_takes_no_draft(curriculum, enrolled, sections):
    version = submit(enrolled, curriculum.project)
    Submission.objects.filter(id=version.submission_id).update(status="graded")
    with pytest.raises(Conflict):
        draft_save(learner=enrolled, project=curriculum.project, texts={sections[0].id: "x"})


def test_the_version_diff_page_is_for_the_team_and_its_graders(
    client, curriculum, enrolled, instructor, other_learner
):
    submit(enrolled, curriculum.project, report="Forty firms.")
    version = submit(enrolled, curriculum.project, report="Forty-two <firms>.")
    url = f"/en/learn/submissions/{version.submission_id}/versions/2/changes/"
    for user, status in ((enrolled, 200), (instructor, 200), (other_learner, 404)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user
    client.force_login(instructor)
    body = client.get(url).content.decode()
    assert "<ins>Forty-two &lt;firms&gt;.</ins>" in body and "<del>Forty firms.</del>" in body
    grading = client.get(f"/en/grading/submissions/{version.submission_id}/").content.decode()
    assert url in grading
    client.force_login(enrolled)
    assert client.get(url + "?against=2").status_code == 400
