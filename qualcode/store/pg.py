"""PostgreSQL behind the small sqlite3-like surface the store uses: a connection adapter and an SQL translator."""

from __future__ import annotations

import contextlib
import functools
import re
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

from qualcode.errors import (
    ConnectionLostError,
    InputError,
    PermissionDeniedError,
    ProjectBusyError,
    ProjectError,
    QualcodeError,
    ServerUnreachableError,
)
from qualcode.store.schema_pg import ID_TABLES

URL_SCHEMES = ("postgresql://", "postgres://")
# Writers take this transaction-level advisory lock first, as SQLite's BEGIN IMMEDIATE takes the write lock:
# one write transaction at a time, each reading only what was committed before it (no lost update, and the
# change log's hash chain never forks). Readers are never blocked.
WRITE_LOCK_KEY = 0x51434F44
LOCK_TIMEOUT_MS = 5000
CHANGE_CHANNEL = "qualcode_change"  # NOTIFYed as each write transaction commits (store/live.py listens)
LOST = "connection to the server was lost; nothing from the interrupted action was saved"
LOST_AT_COMMIT = (
    "connection to the server was lost while saving; the action may or may not have been saved:"
    " look before repeating it"
)


def is_server_location(location: object) -> bool:
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


def _userinfo(url: str) -> tuple[str, str, str | None, str] | None:
    """(scheme, user, password or None, the rest after '@') of a URL with a user part, read by hand: urlsplit
    fails on some malformed URLs (an unclosed '[') and a password may hold '/' or '@' unencoded."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    stop = min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    at = rest.rfind("@", 0, stop)
    if at < 0:
        return None
    user, colon, password = rest[:at].partition(":")
    return scheme, user, (password if colon else None), rest[at + 1 :]


def redact(url: str) -> str:
    """The URL without its password, for messages: a password is never printed."""
    parts = _userinfo(url)
    if parts is None or parts[2] is None:
        return url
    scheme, user, _password, rest = parts
    return f"{scheme}://{user}:***@{rest}"


def scrub(text: str, url: str) -> str:
    """A message about `url` (e.g. libpq's) with the URL shown redacted and its password nowhere in it."""
    text = text.replace(url, redact(url))
    parts = _userinfo(url)
    if parts is not None and parts[2]:
        for secret in {parts[2], unquote(parts[2])}:
            if secret:
                text = text.replace(secret, "***")
    return text


class ServerLocation(str):
    """Where a server study lives: its URL (password hidden when shown); `stem` and `name` are the database's."""

    def __new__(cls, url: str) -> ServerLocation:
        self = super().__new__(cls, redact(url))
        self.url = url
        return self

    url: str

    @property
    def name(self) -> str:
        return urlsplit(self.url).path.lstrip("/") or "postgres"

    @property
    def stem(self) -> str:
        return self.name


class UntranslatableSQL(ProjectError):
    """SQL written for SQLite that the translator has no rule for: the call site needs portable SQL."""


# -- the translator --------------------------------------------------------------------------------------
# Only the SQLite constructs qualcode uses, each by one rule (tests/unit/test_pg_translate.py tests each).
_TOKENS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[^'\"]+")
_REJECT = re.compile(
    r"\b(PRAGMA|sqlite_\w+|segments_fts|MATCH|snippet(?=\s*\()|rowid|GLOB|json_extract|typeof(?=\s*\())\b",
    re.I,
)
# INSERT OR REPLACE needs the conflict target PostgreSQL asks for: each table's primary key
_REPLACE_TARGETS = {
    "meta": ("key",),
    "segment_embeddings": ("segment_id", "model"),
    "text_embeddings": ("text_hash", "model"),
}


def _split_args(text: str, start: int) -> tuple[list[str], int]:
    """Top-level comma-separated arguments of the call whose '(' is at text[start]; and the index after ')'."""
    depth, args, current = 0, [], start + 1
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "'":  # skip a literal
            j = i + 1
            while j < len(text):
                if text[j] == "'" and text[j + 1 : j + 2] != "'":
                    break
                j += 2 if text[j] == "'" else 1
            i = j
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                args.append(text[current:i].strip())
                return args, i + 1
        elif ch == "," and depth == 1:
            args.append(text[current:i].strip())
            current = i + 1
        i += 1
    raise UntranslatableSQL(f"unbalanced parentheses in SQL: {text[:80]!r}")


def _rewrite_calls(sql: str, name: str, build: Any) -> str:
    pattern = re.compile(rf"\b{name}\s*\(", re.I)
    out, pos = [], 0
    while (m := pattern.search(sql, pos)) is not None:
        args, end = _split_args(sql, m.end() - 1)
        out.append(sql[pos : m.start()])
        out.append(build([_rewrite_calls(a, name, build) for a in args], sql[m.start() : end]))
        pos = end
    out.append(sql[pos:])
    return "".join(out)


def _group_concat(args: list[str], original: str) -> str:
    if not 1 <= len(args) <= 2:
        raise UntranslatableSQL(f"group_concat with {len(args)} arguments: {original!r}")
    expr, sep = args[0], (args[1] if len(args) == 2 else "','")
    distinct = ""
    if re.match(r"DISTINCT\s", expr, re.I):
        distinct, expr = "DISTINCT ", expr[8:].strip()
    return f"string_agg({distinct}CAST({expr} AS TEXT), {sep})"


def _min_max(fn: str) -> Any:
    def build(args: list[str], original: str) -> str:
        if len(args) == 1:
            return f"{fn}({args[0]})"
        return f"{'greatest' if fn == 'max' else 'least'}({', '.join(args)})"  # SQLite's scalar form

    return build


def _substr(args: list[str], original: str) -> str:
    """substr takes integer positions in PostgreSQL (offsets are BIGINT columns there)."""
    if len(args) not in (2, 3):
        raise UntranslatableSQL(f"substr with {len(args)} arguments: {original!r}")
    return f"substr({args[0]}, {', '.join(f'CAST({a} AS INTEGER)' for a in args[1:])})"


def _insert_or(sql: str) -> str:
    m = re.match(r"\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO\s+(\w+)\s*(\(([^)]*)\))?", sql, re.I)
    if m is None:
        return sql
    if re.search(r"\bON\s+CONFLICT\b|\bRETURNING\b", sql, re.I):
        raise UntranslatableSQL(f"INSERT OR {m.group(1)} with its own ON CONFLICT or RETURNING: {sql[:80]!r}")
    body = f"INSERT INTO {sql[m.end(1) :].lstrip()[5:].lstrip()}"
    if m.group(1).upper() == "IGNORE":
        return f"{body} ON CONFLICT DO NOTHING"
    table, columns = m.group(2).lower(), [c.strip() for c in (m.group(4) or "").split(",") if c.strip()]
    if table not in _REPLACE_TARGETS or not columns:
        raise UntranslatableSQL(f"INSERT OR REPLACE into {table}: no known conflict target; use ON CONFLICT")
    keys = _REPLACE_TARGETS[table]
    sets = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    return f"{body} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"


@functools.lru_cache(maxsize=4096)
def translate(sql: str) -> str:
    """SQLite SQL as qualcode writes it -> PostgreSQL SQL with psycopg placeholders.

    Outside string literals and quoted names: `?` -> `%s`, `%` -> `%%`, LIKE -> ILIKE (SQLite's LIKE ignores
    ASCII case), `IS ?` -> IS NOT DISTINCT FROM (SQLite's IS compares NULLs), CAST(... AS REAL) -> DOUBLE PRECISION (REAL is 4 bytes in PostgreSQL), IFNULL -> coalesce,
    instr -> strpos, group_concat -> string_agg, two-argument min/max -> least/greatest, INSERT OR IGNORE ->
    ON CONFLICT DO NOTHING, INSERT OR REPLACE (into a table with a known key) -> ON CONFLICT DO UPDATE.
    SQLite-only constructs without a faithful rule (PRAGMA, sqlite_master, FTS5, rowid ...) raise
    UntranslatableSQL: their call sites branch on the backend instead."""
    parts = []
    for token in _TOKENS.findall(sql):
        if token[0] == "'":
            parts.append(token.replace("%", "%%"))
            continue
        if token[0] == '"':
            parts.append(token)
            continue
        bad = _REJECT.search(token)
        if bad:
            raise UntranslatableSQL(f"SQLite-only SQL ({bad.group(1)}) sent to PostgreSQL: {sql[:100]!r}")
        token = token.replace("%", "%%").replace("?", "%s")
        token = re.sub(r"\bIS\s+NOT\s+%s", "IS DISTINCT FROM %s", token, flags=re.I)
        token = re.sub(r"\bIS\s+%s", "IS NOT DISTINCT FROM %s", token, flags=re.I)
        token = re.sub(r"\bLIKE\b", "ILIKE", token, flags=re.I)
        token = re.sub(r"\bAS\s+REAL\b", "AS DOUBLE PRECISION", token, flags=re.I)
        token = re.sub(r"\bIFNULL\s*\(", "coalesce(", token, flags=re.I)
        token = re.sub(r"\binstr\s*\(", "strpos(", token, flags=re.I)
        parts.append(token)
    out = "".join(parts)
    out = _rewrite_calls(out, "group_concat", _group_concat)
    out = _rewrite_calls(out, "substr", _substr)
    out = _rewrite_calls(out, "max", _min_max("max"))
    out = _rewrite_calls(out, "min", _min_max("min"))
    return _insert_or(out)


_INSERT_TABLE = re.compile(r"\s*INSERT\s+INTO\s+(\w+)", re.I)


@functools.lru_cache(maxsize=4096)
def _returning_id(sql: str) -> bool:
    """Whether an INSERT gives its new row's id back (sqlite3's lastrowid): into a table with ids, one row."""
    m = _INSERT_TABLE.match(sql)
    return bool(
        m
        and m.group(1).lower() in ID_TABLES
        and re.search(r"\bVALUES\b", sql, re.I)
        and not re.search(r"\bRETURNING\b", sql, re.I)
    )


# -- errors: PostgreSQL's, in the DB-API classes (and SQLite's words) the store already handles -------------
class PgIntegrityError(sqlite3.IntegrityError):
    pass


class PgOperationalError(sqlite3.OperationalError):
    pass


class PgDatabaseError(sqlite3.DatabaseError):
    pass


def _integrity_message(conn: Any, exc: Any) -> str:
    """SQLite's wording for a broken rule ('UNIQUE constraint failed: codings.document_id, ...'), which the
    store matches to tell a duplicate from other errors."""
    import psycopg.errors as pe

    diag = exc.diag
    table = diag.table_name or "?"
    if isinstance(exc, pe.UniqueViolation) and diag.constraint_name:
        cols = _constraint_columns(conn, diag.constraint_name)
        return "UNIQUE constraint failed: " + ", ".join(f"{table}.{c}" for c in cols)
    if isinstance(exc, pe.NotNullViolation):
        return f"NOT NULL constraint failed: {table}.{diag.column_name}"
    if isinstance(exc, pe.ForeignKeyViolation):
        return "FOREIGN KEY constraint failed"
    if isinstance(exc, pe.CheckViolation):
        return f"CHECK constraint failed: {diag.constraint_name}"
    return str(exc).splitlines()[0]


_constraint_cache: dict[str, list[str]] = {}


def _constraint_columns(conn: Any, name: str) -> list[str]:
    if name not in _constraint_cache:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT a.attname FROM pg_constraint c JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(n, i)"
                " ON true JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n"
                " WHERE c.conname = %s ORDER BY k.i",
                (name,),
            )
            _constraint_cache[name] = [r[0] for r in cur.fetchall()]
    return _constraint_cache[name]


# -- refusals: what a role may not do, said in the study's words ----------------------------------------------
_AREAS = {
    "codes": "change the codebook",
    "aims": "change the outcome map", "partners": "change the outcome map", "outcomes": "change the outcome map",
    "outcome_aims": "change the outcome map",
    "claims": "change claims", "claim_evidence": "change claims' evidence", "claim_rivals": "change claims",
    "rivals": "change rival explanations", "rival_evidence": "change rival explanations",
    "judgements": "record judgements", "recommendations": "change recommendations",
    "recommendation_links": "change recommendations",
    "documents": "import or change documents", "segments": "import or change documents",
    "cases": "import documents or change cases", "case_attributes": "change cases", "document_speakers": "change speakers",
    "survey_questions": "import surveys", "survey_respondents": "import surveys",
    "monitoring": "import monitoring data",
    "reviews": "record review decisions",
    "qualcode_users": "manage users",
}  # fmt: skip
_WHO_MAY = {"qualcode_users": "an admin", "reviews": "a reviewer or lead"}
_DENIED = re.compile(r'permission denied for (?:table|relation|view|sequence) "?(\w+)"?')
_POLICY = re.compile(r'row-level security policy for table "?(\w+)"?')
_OWN = {
    "codings": "codings", "memos": "memos", "suggestion_feedback": "suggestion decisions",
    "reviews": "review decisions", "coders": "coder name", "change_log": "change-log entries",
    "meta": "quick keys",
}  # fmt: skip


def refusal_message(text: str, login: str, role: str | None, coder: str | None) -> str:
    """One line saying what this user may not do and who may: from PostgreSQL's refusal."""
    first = text.strip().splitlines()[0] if text.strip() else "permission denied"
    if first.startswith("not allowed:"):  # the study's own trigger has said it already
        return first
    who = f"{login} is a {role} in this study" if role else f"{login} is not a user of this study"
    if (m := _POLICY.search(first)) is not None:
        table = m.group(1)
        own = _OWN.get(table, f"rows of {table}")
        return f"not allowed: {who} and writes only their own {own} (as '{coder}'); a lead may write anyone's"
    if (m := _DENIED.search(first)) is not None:
        table = m.group(1)
        what = _AREAS.get(table, f"change {table}")
        return f"not allowed: {who} and may not {what}; ask {_WHO_MAY.get(table, 'a lead')}"
    return f"not allowed: {who}: {first}"


# -- the adapter -------------------------------------------------------------------------------------------
class PgCursor:
    """The results of one statement, read like an sqlite3 cursor."""

    def __init__(self, rows: list[tuple[Any, ...]], description: Any, rowcount: int, lastrowid: int | None):
        self._rows = rows
        self._pos = 0
        self.description = description
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._pos >= len(self._rows):
            return None
        self._pos += 1
        return self._rows[self._pos - 1]

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._pos = self._rows[self._pos :], len(self._rows)
        return rows

    def fetchmany(self, size: int = 1) -> list[tuple[Any, ...]]:
        rows = self._rows[self._pos : self._pos + size]
        self._pos += len(rows)
        return rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        while (row := self.fetchone()) is not None:
            yield row

    def close(self) -> None:
        self._rows = []


def check_url(url: str) -> None:
    """Refuse a URL that cannot name a server study (bad port, unclosed '[') before libpq is asked."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # ValueError for a port that is not a number or out of range
    except ValueError as exc:
        raise InputError(
            f"{redact(url)}: not a valid server URL ({scrub(str(exc), url)});"
            " the form is postgresql://USER@HOST:PORT/DATABASE"
        ) from None


def _reason(exc: BaseException, url: str) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = re.sub(r"^connection failed: ", "", text)
    text = re.sub(r'^connection to server (at|on socket) "[^"]*"(, port \d+)? failed: ', "", text)
    text = re.sub(r"^FATAL:\s+", "", text)
    return scrub(text, url)


def connect_error(url: str, exc: BaseException) -> QualcodeError:
    """A failed connection as the user should read it: a wrong database, role, password or host name is bad
    input (exit 2, like a missing file); a server that does not answer is a failure that may pass (exit 1)."""
    reason, where = _reason(exc, url), redact(url)
    if re.search(r'(database|role) "[^"]*" does not exist', reason):
        return InputError(f"{where}: {reason} on the server")
    if re.search(r"password authentication failed|no password supplied|authentication failed|pg_hba\.conf",
                 reason):  # fmt: skip
        return InputError(f"{where}: the server refused the login ({reason})")
    if reason.startswith("failed to resolve host"):
        return InputError(f"{where}: unknown host name ({reason})")
    return ServerUnreachableError(f"{where}: cannot reach the server ({reason})")


def connect(url: str) -> Any:
    """A psycopg connection in autocommit mode (transactions are begun explicitly, as with sqlite3's
    isolation_level=None). libpq reads PGPASSWORD/PGPASSFILE/.pgpass, PGSSLMODE etc. itself."""
    try:
        import psycopg
    except ImportError:
        raise ProjectError(
            f"{redact(url)}: a server study needs the PostgreSQL driver: pip install 'qualcode[server]'"
        ) from None
    from psycopg.adapt import Dumper, Loader

    class LooseIntDumper(Dumper):
        """Integers go as untyped literals, so PostgreSQL reads them as the column's type (as SQLite's
        dynamic typing would): `text_column = 5` and `integer_column = 5` both work."""

        oid = 0

        def dump(self, obj: int) -> bytes:
            return str(int(obj)).encode()

    class SqliteNumberLoader(Loader):
        """numeric results as SQLite gives them: sum() of integers an int, avg() and fractions a float."""

        def load(self, data: Any) -> int | float:
            text = bytes(data)
            return float(text) if b"." in text or b"e" in text.lower() or b"N" in text else int(text)

    check_url(url)
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10, application_name="qualcode")
    except psycopg.ProgrammingError as exc:  # libpq could not read the URL
        raise InputError(f"{redact(url)}: not a valid server URL ({_reason(exc, url)})") from None
    except psycopg.OperationalError as exc:
        raise connect_error(url, exc) from None
    conn.adapters.register_dumper(int, LooseIntDumper)
    conn.adapters.register_dumper(bool, LooseIntDumper)
    conn.adapters.register_loader("numeric", SqliteNumberLoader)
    conn.execute(f"SET lock_timeout = {LOCK_TIMEOUT_MS}")
    return conn


class PgConnection:
    """What the store calls on `project.conn`, over a psycopg connection (autocommit; explicit BEGIN)."""

    backend = "postgresql"

    def __init__(self, conn: Any, location: str, url: str | None = None) -> None:
        self.raw = conn
        self.location = location
        # Who the database says this login is (pg_project.open_server reads it): its name, role and coder name.
        self.login: str = ""
        self.role: str | None = "owner"
        self.coder: str | None = None
        self.url = url  # to connect again after the server restarted or the network dropped
        self.reconnects = 0
        self.writing = False  # inside a write transaction (BEGIN IMMEDIATE)

    @property
    def lost(self) -> bool:
        """The connection broke (the server restarted, the network dropped): the next action reconnects."""
        return bool(self.raw.closed or self.raw.broken)

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        if self.lost:  # the server ended the transaction with the connection
            return False
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def reconnect(self) -> None:
        """A new connection in place of a broken one (ServerUnreachableError while the server is down)."""
        if self.url is None:
            raise ConnectionLostError(f"{self.location}: {LOST}")
        with contextlib.suppress(Exception):
            self.raw.close()
        self.raw = connect(self.url)
        self.reconnects += 1
        self.writing = False

    def _lost(self, sql: str) -> ConnectionLostError:
        if sql.strip().upper().endswith(("COMMIT", "END")):
            return ConnectionLostError(f"{self.location}: {LOST_AT_COMMIT}")
        return ConnectionLostError(f"{self.location}: {LOST}")

    def _begin(self, sql: str) -> None:
        """Begin a transaction; a connection found broken here (it died while idle) is replaced first: nothing
        of the action has run yet, so it simply goes ahead on the new one."""
        import psycopg

        if self.lost:
            self.reconnect()
        try:
            self.raw.execute(sql)
        except psycopg.Error as exc:
            if not self.lost:
                raise self._convert(exc) from None
            self.reconnect()
            self.raw.execute(sql)

    def _control(self, sql: str) -> PgCursor | None:
        word = sql.strip().upper()
        if word in ("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"):
            self._begin("BEGIN ISOLATION LEVEL READ COMMITTED")
            self.writing = True
            try:
                self._run("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
            except BaseException:
                self.writing = False
                if self.in_transaction:  # not begun, as when SQLite's BEGIN IMMEDIATE finds the lock taken
                    self.raw.execute("ROLLBACK")
                raise
            return PgCursor([], None, -1, None)
        if word in ("BEGIN", "BEGIN DEFERRED"):  # a read: one snapshot for the whole transaction
            self._begin("BEGIN ISOLATION LEVEL REPEATABLE READ")
            self.writing = False
            return PgCursor([], None, -1, None)
        if word == "ROLLBACK" and self.lost:
            self.writing = False
            return PgCursor([], None, -1, None)  # the server rolled it back when the connection broke
        if word in ("COMMIT", "END") and self.writing:
            # Listeners (others' workbenches, store/live.py) hear of a write once it commits; sent with the
            # COMMIT, so it costs no round trip of its own.
            self.writing = False
            self._run(f"NOTIFY {CHANGE_CHANNEL}; COMMIT", None)
            return PgCursor([], None, -1, None)
        if word in ("COMMIT", "END", "ROLLBACK"):
            self.writing = False
            self._run(word, ())
            return PgCursor([], None, -1, None)
        return None

    def _run(self, sql: str, params: Sequence[Any] | None, savepoint: bool = False) -> Any:
        import psycopg

        cur = self.raw.cursor()
        try:
            if savepoint:  # a failed statement must not poison the transaction: SQLite undoes only it
                cur.execute("SAVEPOINT qualcode_statement")
            cur.execute(sql, params)
            if savepoint:
                rows = cur.fetchall() if cur.description else []
                desc, count = cur.description, cur.rowcount
                cur.execute("RELEASE SAVEPOINT qualcode_statement")
                return rows, desc, count
            return (cur.fetchall() if cur.description else []), cur.description, cur.rowcount
        except psycopg.Error as exc:
            if self.lost:
                raise self._lost(sql) from None
            if savepoint and self.in_transaction:
                with contextlib.suppress(psycopg.Error):
                    self.raw.execute("ROLLBACK TO SAVEPOINT qualcode_statement")
            raise self._convert(exc) from None
        finally:
            with contextlib.suppress(psycopg.Error):
                cur.close()

    def _convert(self, exc: Exception) -> Exception:
        import psycopg.errors as pe

        if isinstance(exc, pe.IntegrityError):
            return PgIntegrityError(_integrity_message(self.raw, exc))
        if isinstance(exc, pe.LockNotAvailable | pe.SerializationFailure | pe.DeadlockDetected):
            return ProjectBusyError(f"{self.location}: project busy (another coder is saving); try again")
        if isinstance(exc, pe.InsufficientPrivilege):
            return PermissionDeniedError(refusal_message(str(exc), self.login, self.role, self.coder))
        if isinstance(exc, pe.RaiseException):
            return PgIntegrityError(str(exc).splitlines()[0])  # a guard trigger (the change log)
        if isinstance(exc, pe.OperationalError):
            return PgOperationalError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return PgDatabaseError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> PgCursor:
        control = self._control(sql)
        if control is not None:
            return control
        pg_sql = translate(sql)
        returning = _returning_id(pg_sql)
        if returning:
            pg_sql += " RETURNING id"
        is_write = bool(re.match(r"\s*(INSERT|UPDATE|DELETE)\b", pg_sql, re.I))
        idle = not self.in_transaction
        if idle and self.lost:
            self.reconnect()
        try:
            rows, desc, count = self._run(pg_sql, tuple(params), savepoint=is_write and not idle)
        except ConnectionLostError:
            if not idle or is_write:
                raise
            self.reconnect()  # a read on its own: nothing was changed, so it is simply asked again
            rows, desc, count = self._run(pg_sql, tuple(params))
        lastrowid = int(rows[-1][0]) if returning and rows else None
        return PgCursor([] if returning else rows, None if returning else desc, count, lastrowid)

    def executemany(self, sql: str, seq: Any) -> PgCursor:
        import psycopg

        pg_sql = translate(sql)
        rows = [tuple(p) for p in seq]
        if not rows:
            return PgCursor([], None, 0, None)
        cur = self.raw.cursor()
        try:
            cur.executemany(pg_sql, rows)
            return PgCursor([], None, cur.rowcount, None)
        except psycopg.Error as exc:
            if self.lost:
                raise self._lost(sql) from None
            raise self._convert(exc) from None
        finally:
            with contextlib.suppress(psycopg.Error):
                cur.close()

    def close(self) -> None:
        self.raw.close()


def server_search_sql(columns: str) -> str:
    """Full-text search of segments on PostgreSQL (parameters: the query, the limit): the segment `columns`,
    a snippet with the matched words in [brackets], and the segment's codes."""
    return (
        f"SELECT {columns},"
        " ts_headline('qualcode_english', s.text, q.q, 'StartSel=[, StopSel=], MaxWords=12, MinWords=4,"
        " MaxFragments=1, FragmentDelimiter=…') AS snippet,"
        " (SELECT string_agg(x.key, ' ' ORDER BY x.key) FROM (SELECT DISTINCT c2.key FROM codings k JOIN codes c2"
        "   ON c2.id = k.code_id WHERE k.segment_id = s.id) x) AS codes"
        " FROM (SELECT websearch_to_tsquery('qualcode_english', ?) AS q) q CROSS JOIN segments s"
        " JOIN documents d ON d.id = s.document_id LEFT JOIN cases c ON c.id = s.case_id"
        " WHERE s.tsv @@ q.q ORDER BY ts_rank(s.tsv, q.q) DESC, s.id LIMIT ?"
    )


def guard_trigger_problem(conn: PgConnection, names: Sequence[str]) -> str | None:
    """What is wrong with the change log's guard triggers on PostgreSQL (None: each is there, enabled, and
    runs the function that refuses the change)."""
    rows = conn.execute(
        "SELECT t.tgname, t.tgenabled, p.prosrc FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid"
        " WHERE t.tgrelid = 'change_log'::regclass AND NOT t.tgisinternal"
    ).fetchall()
    found = {name: (enabled, body) for name, enabled, body in rows}
    for name in names:
        enabled, body = found.get(name, ("D", ""))
        if enabled == "D" or "RAISE EXCEPTION" not in body.upper():
            return f"trigger {name} is missing or altered: the log no longer refuses changes"
    return None
