"""Who may do what on a server study: the users table, row-level security and the grants of its group roles."""

from __future__ import annotations

# Roles, each able to do everything the one before it can: a coder writes their own codings, memos, suggestion
# feedback and quick keys; a reviewer also records review decisions; a lead changes everything in the study
# (codebook, outcome map, claims, documents, merges, anyone's codings); an admin also manages users. The
# database's owner (who ran `qualcode init`) and superusers rank above all: 'owner'.
ROLES = ("coder", "reviewer", "lead", "admin")
_RANKS = "ARRAY['coder','reviewer','lead','admin','owner']"

# The tables with a row per person, and the column naming that person (and a prefix: meta's quick keys are
# 'quickkeys:<coder>'). Their writes go through row-level security: a row may be written only by the person
# it names, or by a lead.
OWNED_ROWS: dict[str, tuple[str, str, str]] = {
    # table: (column, prefix, what a refused user is told they may change only their own of)
    "codings": ("coder", "", "codings"),
    "memos": ("coder", "", "memos"),
    "suggestion_feedback": ("coder", "", "suggestion decisions"),
    "reviews": ("reviewer", "", "review decisions"),
    "coders": ("name", "", "coder name"),
    "change_log": ("who", "", "change-log entries"),
    "meta": ("key", "quickkeys:", "quick keys"),
}

_FUNCTIONS: list[str] = [
    # SECURITY DEFINER: any login may ask who it is without reading qualcode_users itself. session_user, not
    # current_user: SET ROLE to a group does not change who you are.
    """CREATE FUNCTION qualcode_role() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER AS $$
        SELECT CASE
            WHEN (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) THEN 'owner'
            WHEN pg_has_role(session_user,
                             (SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER')
                THEN 'owner'
            ELSE (SELECT role FROM qualcode_users WHERE login = session_user::text)
        END $$""",
    """CREATE FUNCTION qualcode_coder() RETURNS text LANGUAGE sql STABLE SECURITY DEFINER AS $$
        SELECT coder FROM qualcode_users WHERE login = session_user::text $$""",
    f"""CREATE FUNCTION qualcode_may(wanted text) RETURNS boolean LANGUAGE sql STABLE AS $$
        SELECT coalesce(array_position({_RANKS}, qualcode_role()), 0) >= array_position({_RANKS}, wanted) $$""",
    # Row-level security only hides the rows a USING clause refuses, so an UPDATE or DELETE of someone else's
    # row would "succeed" on no rows. This trigger refuses it out loud instead. pg_trigger_depth() = 1: the
    # statement's own rows; rows removed by a foreign key's ON DELETE CASCADE (a coder deleting their coding
    # takes its review decisions with it) are the database's consequence of an allowed change.
    """CREATE FUNCTION qualcode_own_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        owner_value text := to_jsonb(OLD) ->> TG_ARGV[0];
        mine text := TG_ARGV[1] || coalesce(qualcode_coder(), '');
    BEGIN
        IF pg_trigger_depth() = 1 AND NOT qualcode_may('lead') AND owner_value IS DISTINCT FROM mine THEN
            IF TG_TABLE_NAME = 'meta' THEN
                RAISE EXCEPTION 'not allowed: % is a % in this study and may change only their own quick keys,'
                    ' not the study''s settings', session_user, coalesce(qualcode_role(), 'non-user')
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            RAISE EXCEPTION 'not allowed: % is a % in this study and may change only their own % (this one is %''s)',
                session_user, coalesce(qualcode_role(), 'non-user'), TG_ARGV[2],
                substr(owner_value, length(TG_ARGV[1]) + 1)
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END $$""",
]


# Each function looks names up in the study's schema and then, last, in pg_temp: a session's temporary tables are
# otherwise searched first, and a coder's own temporary `qualcode_users` (saying they were a lead, or ben) would
# be what a SECURITY DEFINER function read. (pg_catalog is searched before both.) The schema is the study's, as
# the migration runs in it, hence the statement built at run time.
_SEARCH_PATH = """DO $$ DECLARE f text; BEGIN
    FOREACH f IN ARRAY ARRAY['qualcode_role()', 'qualcode_coder()', 'qualcode_may(text)', 'qualcode_own_rows()']
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = %I, pg_temp', f, current_schema());
    END LOOP;
END $$"""


def _owned_rows(table: str, column: str, prefix: str, noun: str) -> list[str]:
    # (SELECT ...): an InitPlan, worked out once per statement rather than once per row
    mine = f"{column} = (SELECT '{prefix}' || qualcode_coder())"
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        # FORCE: the owner obeys the policies too (they let the owner do everything, through qualcode_may).
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {table}_read ON {table} FOR SELECT USING (true)",
        f"CREATE POLICY {table}_insert ON {table} FOR INSERT WITH CHECK ({mine} OR (SELECT qualcode_may('lead')))",
        f"CREATE POLICY {table}_update ON {table} FOR UPDATE USING (true)"
        f" WITH CHECK ({mine} OR (SELECT qualcode_may('lead')))",
        f"CREATE POLICY {table}_delete ON {table} FOR DELETE USING (true)",
        f"CREATE TRIGGER {table}_own_rows BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW"
        f" EXECUTE FUNCTION qualcode_own_rows('{column}', '{prefix}', '{noun}')",
    ]


# Version 12 (twin of schema._V_ROLES, which is empty): who is who, and the rules. The group roles and their
# grants are made by `qualcode users add` (store/pg_users.py): making roles needs CREATEROLE, which the owner
# of a study need not have until the team gets its users.
PG_ROLES: list[str] = [
    """CREATE TABLE qualcode_users (
        login TEXT PRIMARY KEY CHECK (length(trim(login)) > 0),
        coder TEXT NOT NULL UNIQUE REFERENCES coders(name) ON UPDATE CASCADE DEFERRABLE,
        role TEXT NOT NULL CHECK (role IN ('coder', 'reviewer', 'lead', 'admin')),
        created TEXT NOT NULL,
        created_by TEXT NOT NULL
    )""",
    *_FUNCTIONS,
    _SEARCH_PATH,
    *[s for table, (col, prefix, noun) in OWNED_ROWS.items() for s in _owned_rows(table, col, prefix, noun)],
]


def group_names(database: str) -> dict[str, str]:
    """The study's group roles, per database (role names are the whole server's, so two studies on one server
    never share a group): role -> group name, e.g. 'coder' -> 'pdu_study_coder'."""
    return {role: f"{database}_{role}" for role in ROLES}


# What each group may do besides reading everything, beyond what the group below it may (tables not named:
# read only, until lead, who writes every table).
_CODER_WRITES = {
    "codings": "INSERT, UPDATE, DELETE",
    "memos": "INSERT, UPDATE, DELETE",
    "suggestion_feedback": "INSERT, UPDATE, DELETE",
    "coders": "INSERT",
    "change_log": "INSERT",
    "meta": "INSERT, UPDATE",
    # shared queues and caches, not evidence: accepting a pending suggestion removes it; embeddings are kept
    "pending_suggestions": "INSERT, UPDATE, DELETE",
    "segment_embeddings": "INSERT, UPDATE, DELETE",
    "text_embeddings": "INSERT, UPDATE, DELETE",
    "refi_guids": "INSERT, UPDATE, DELETE",
}
_REVIEWER_WRITES = {"reviews": "INSERT, UPDATE, DELETE"}
_LEAD_EXCEPT = {"qualcode_users", "qualcode_schema", "change_log"}
_ADMIN_WRITES = {"qualcode_users": "INSERT, UPDATE, DELETE"}


def grant_statements(database: str, tables: list[str], schema: str) -> list[str]:
    """GRANTs for the study's group roles on its current tables (run again after a migration adds tables).
    Each group is a member of the one below it, so it has that one's grants too."""
    g = {role: f'"{name}"' for role, name in group_names(database).items()}
    out = [
        f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {g["coder"]}',
        f'GRANT USAGE ON SCHEMA "{schema}" TO {g["coder"]}',
        f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {g["coder"]}',
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {g["coder"]}',
    ]
    for role, writes in (("coder", _CODER_WRITES), ("reviewer", _REVIEWER_WRITES), ("admin", _ADMIN_WRITES)):
        out += [f'GRANT {what} ON "{t}" TO {g[role]}' for t, what in writes.items() if t in tables]
    out += [
        f'GRANT INSERT, UPDATE, DELETE ON "{t}" TO {g["lead"]}'
        for t in tables
        if t not in _LEAD_EXCEPT and t not in _VIEWS
    ]
    return out


# Views (counted when read) are read-only for everyone.
_VIEWS = {"document_case_counts", "coded_segment_counts", "document_counts", "code_counts"}
