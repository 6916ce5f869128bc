"""A small server study with a user of each role, for the tests of who may do what (issue 18, item 4)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from qualcode.core.codebook import load_codebook_text
from qualcode.store.codebook import save_codebook
from qualcode.store.codings import add_coding
from qualcode.store.documents import add_documents, list_segments
from qualcode.store.pg_users import add_user
from qualcode.store.project import Project
from qualcode.store.schema_pg_roles import group_names
from tests.report_study import _doc

CODEBOOK = """
name: Roles study
codes:
  - {key: a1, label: Faster referrals}
  - {key: a2, label: Confidence}
"""
# Each user's coder name is the plain name; the login gets a suffix, as logins are the whole server's.
PEOPLE = {"amira": "coder", "ben": "coder", "rita": "reviewer", "lee": "lead", "ada": "admin"}


def as_login(url: str, login: str, password: str | None = None) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    auth = login if password is None else f"{login}:{password}"
    return urlunsplit(parts._replace(netloc=f"{auth}@{host}"))


@dataclass
class Study:
    url: str
    tag: str
    passwords: dict[str, str] = field(default_factory=dict)
    extra: list[str] = field(default_factory=list)  # logins a test made besides PEOPLE's, dropped with it

    def login(self, name: str) -> str:
        return f"{name}_{self.tag}"

    def url_of(self, name: str) -> str:
        return as_login(self.url, self.login(name))

    def connect(self, name: str):  # noqa: ANN201 - a psycopg connection as that user
        import psycopg

        return psycopg.connect(self.url_of(name), autocommit=True)

    def open(self, name: str, coder: str | None = None) -> Project:
        return Project.open(self.url_of(name), coder=coder)

    def scalar(self, sql: str, params: tuple = ()) -> object:
        import psycopg

        with psycopg.connect(self.url) as conn:
            return conn.execute(sql, params).fetchone()[0]


def make_study(server) -> Study:  # noqa: ANN001 - tests.pg_server.LocalServer
    url = server.new_database()
    study = Study(url, uuid.uuid4().hex[:6])
    with Project.create(url, coder="owner") as p:
        save_codebook(p, load_codebook_text(CODEBOOK))
        add_documents(
            p,
            [
                _doc(
                    "int1", "interview", [("I1", f"Answer number {i} about referrals.") for i in range(4)], {}
                )
            ],
        )
        for name, role in PEOPLE.items():
            study.passwords[name] = f"pw-{name}-{uuid.uuid4().hex[:8]}"
            add_user(p, study.login(name), role, coder=name, password=study.passwords[name])
    return study


def drop_study(server, study: Study) -> None:  # noqa: ANN001
    server.drop_database(study.url)
    database = urlsplit(study.url).path.lstrip("/")
    with server.admin() as conn:
        for role in (
            [study.login(n) for n in PEOPLE] + study.extra + list(group_names(database).values())[::-1]
        ):
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def code_as(study: Study, name: str, segment: int, key: str = "a1") -> int:
    with study.open(name) as p:
        seg = list_segments(p)[segment]
        return add_coding(p, key, segment_id=seg["id"])
