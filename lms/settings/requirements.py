"""What production needs from the environment, as a list of problems (empty when all is there).

lms/settings/production.py refuses to start while the list is not empty, and its message is
the list. A deployment declares how many machines run its web and worker processes with
LMS_HOSTS (default 1); with more than one, nothing may live on one machine's disk: private
files, media and static files go to object storage and every worker signs with the same issuer
key file.
"""

from __future__ import annotations

from collections.abc import Mapping

import dj_database_url


def declared_hosts(environ: Mapping[str, str]) -> int:
    value = environ.get("LMS_HOSTS", "1").strip() or "1"
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"LMS_HOSTS must be a whole number of machines, 1 or more, not {value!r}.")
    return int(value)


def production_problems(environ: Mapping[str, str]) -> list[str]:
    problems = [
        f"{name} is not set."
        for name in ("DJANGO_SECRET_KEY", "DATABASE_URL", "LMS_BASE_URL")
        if not environ.get(name)
    ]
    database_url = environ.get("DATABASE_URL", "")
    if database_url and dj_database_url.parse(database_url)["ENGINE"].endswith("sqlite3"):
        problems.append(
            "DATABASE_URL names SQLite; production needs PostgreSQL "
            "(postgres://user:password@host:5432/name)."
        )
    if not environ.get("REDIS_URL"):
        problems.append(
            "REDIS_URL is not set; production needs Redis as the Celery broker and the cache "
            "(without it tasks would go to a folder on this machine)."
        )
    try:
        hosts = declared_hosts(environ)
    except ValueError as exc:
        return [*problems, str(exc)]
    if hosts > 1:
        needs = {
            "LMS_S3_BUCKET": "the private bucket for uploads and certificate PDFs",
            "LMS_S3_PUBLIC_BUCKET": "the public bucket for media and static files",
            "LMS_ISSUER_KEY_FILE": "the issuer's signing key, the same file on every host",
        }
        problems += [
            f"{name} is not set, and LMS_HOSTS={hosts} declares more than one host: "
            f"it must name {meaning}."
            for name, meaning in needs.items()
            if not environ.get(name)
        ]
    return problems
