"""The one error hierarchy: every failure a user can cause or meet is a QualcodeError."""

from __future__ import annotations


class QualcodeError(Exception):
    """A failure to report to the user as one line; exit code 1 unless a subclass says otherwise."""

    exit_code = 1

    def __init__(self, message: str = "") -> None:
        # Errors are shown as one line: a parser's multi-line message (e.g. lxml's) is folded here, once.
        super().__init__(" ".join(str(message).split()))


class InputError(QualcodeError):
    """Bad input from the user: a file, an argument, a value. Exit code 2."""

    exit_code = 2


class NotFoundError(InputError):
    """A named thing (document, code, segment, coding, project) does not exist."""


class DuplicateError(InputError):
    """The thing already exists (e.g. a file imported before)."""


class ProjectError(QualcodeError):
    """The project file is unusable: not a qualcode project, too new, corrupt."""


class NotAProjectError(ProjectError):
    """The file given as a project is not one (not SQLite, or another program's database): bad input, exit 2."""

    exit_code = 2


class ProjectBusyError(QualcodeError):
    """Another process holds the project's write lock for longer than the busy timeout."""


class PermissionDeniedError(QualcodeError):
    """The server study's database refused an action this user's role does not allow (issue 18): exit 3."""

    exit_code = 3


class ServerUnreachableError(ProjectError):
    """A server study's server did not answer (refused, timed out, gone): the request may work later. Exit 1."""


class ConnectionLostError(QualcodeError):
    """The connection to a server study broke in the middle of an action (the server restarted, the network
    dropped). The next action reconnects. Exit 1."""
