"""A server URL that is wrong, or a server that does not answer: one line, the exit code the error table gives,
and the URL's password never shown, whichever command met it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from qualcode.errors import InputError, ServerUnreachableError
from qualcode.store.pg import connect_error, redact, scrub
from tests.conftest import run_cli

SECRET = "s3cr3t-Pw"


def _commands(url: str, tmp: Path, demo: Path) -> list[list[str]]:
    return [
        ["coders", url],
        ["init", url],
        ["push", str(demo), url],
        ["pull", url, "-o", str(tmp / "copy.qcdb")],
        ["tui", url],
        ["merge", url, str(demo)],
        ["audit", "verify", url],
        ["report", url, "themes"],
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _check(runner, url: str, code: int, words: str, tmp_path: Path, demo: Path) -> None:
    for args in _commands(url, tmp_path, demo):
        result = run_cli(runner, *args, code=code)
        shown = result.output + result.stderr
        assert SECRET not in shown and SECRET.lower() not in shown.lower(), args
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], (args, result.stderr)
        assert ":***@" in lines[0], lines[0]  # the URL is shown, its password hidden
    assert not (tmp_path / "copy.qcdb").exists()


@pytest.mark.parametrize(
    ("netloc_path", "words"),
    [
        ("host:port/db", "not a valid server URL"),  # a port that is not a number
        ("127.0.0.1:99999/db", "not a valid server URL"),
        ("[::1/db", "not a valid server URL"),  # an unclosed IPv6 bracket (urlsplit itself fails)
        ("127.0.0.1/db?bogus=1", "not a valid server URL"),  # libpq's own refusal quotes the URL
    ],
)
def test_a_malformed_url_is_bad_input(runner, tmp_path, demo_master, netloc_path, words):
    _check(runner, f"postgresql://amira:{SECRET}@{netloc_path}", 2, words, tmp_path, demo_master)


def test_a_password_libpq_would_quote_is_hidden_too(runner, tmp_path, demo_master):
    # libpq's message names the bad token, which is the password itself here
    url = f"postgresql://amira:{SECRET}%zz@127.0.0.1/db"
    _check(runner, url, 2, "not a valid server URL", tmp_path, demo_master)


@pytest.fixture
def live_server(pg_server):
    server, reason = pg_server
    if server is None:
        pytest.skip(f"PostgreSQL backend: {reason}")
    if not hasattr(server, "port"):
        pytest.skip("an external test server: its host and roles are not ours to name")
    return server


def test_an_unknown_database_or_role_is_bad_input(runner, tmp_path, demo_master, live_server):
    port = live_server.port
    url = f"postgresql://postgres:{SECRET}@127.0.0.1:{port}/qualcode_no_such_db"
    _check(runner, url, 2, 'database "qualcode_no_such_db" does not exist', tmp_path, demo_master)
    url = f"postgresql://nobody_here:{SECRET}@127.0.0.1:{port}/postgres"
    _check(runner, url, 2, 'role "nobody_here" does not exist', tmp_path, demo_master)


def test_a_server_that_does_not_answer_is_exit_1(runner, tmp_path, demo_master):
    url = f"postgresql://amira:{SECRET}@127.0.0.1:{_free_port()}/study"
    _check(runner, url, 1, "cannot reach the server", tmp_path, demo_master)


class _Refused(Exception):
    pass


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ('connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  password'
         ' authentication failed for user "amira"', InputError),
        ('connection failed: connection to server at "10.0.0.5", port 5432 failed: fe_sendauth: no password'
         " supplied", InputError),
        ('connection failed: connection to server at "10.0.0.5", port 5432 failed: FATAL:  no pg_hba.conf entry'
         ' for host "10.0.0.9", user "amira", database "study", SSL encryption', InputError),
        ("failed to resolve host 'db.example.rog': [Errno -2] Name or service not known", InputError),
        ('connection failed: connection to server at "10.0.0.5", port 5432 failed: timeout expired',
         ServerUnreachableError),
    ],
)  # fmt: skip
def test_a_refused_login_is_bad_input_a_timeout_is_not(message, kind):
    # The test server trusts every login (and tests look up no host names), so libpq's words are given here.
    url = f"postgresql://amira:{SECRET}@10.0.0.5/study"
    err = connect_error(url, _Refused(message))
    assert type(err) is kind and SECRET not in str(err)
    assert str(err).startswith("postgresql://amira:***@10.0.0.5/study: ")
    assert err.exit_code == (2 if kind is InputError else 1)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://amira:pw@db/s", "postgresql://amira:***@db/s"),
        (
            "postgresql://amira:p@ss/w@rd@db:5433/s",
            "postgresql://amira:***@db:5433/s",
        ),  # '@' and '/' unencoded
        ("postgresql://amira:pw@[::1/s", "postgresql://amira:***@[::1/s"),  # urlsplit cannot read it
        ("postgresql://amira@db/s?options=a@b", "postgresql://amira@db/s?options=a@b"),  # no password
        ("postgresql://db/s", "postgresql://db/s"),
    ],
)
def test_redact_hides_every_password(url, shown):
    assert redact(url) == shown


def test_scrub_hides_the_password_as_written_and_decoded():
    url = "postgresql://amira:caf%C3%A9-secret@db/s"
    text = f"bad token caf%C3%A9-secret or café-secret in {url}"
    assert scrub(text, url) == "bad token *** or *** in postgresql://amira:***@db/s"
