"""Others' work appearing in the workbench while it is open: a poll of the project file, or a listener on the
server study, and a redraw of what is on screen that leaves the cursor and any open dialog alone."""

from __future__ import annotations

import threading
from typing import Any

from textual.message import Message

from qualcode.core.display import safe_text
from qualcode.errors import QualcodeError
from qualcode.store.codebook import code_codings, load_codebook
from qualcode.store.documents import list_documents
from qualcode.store.live import file_mark, listen_for_changes, own_backend_pid
from qualcode.store.project import Project


class OthersChanged(Message):
    """Someone else committed to the study (sent from the listener thread)."""


class LiveUpdates:
    """Mixed into Workbench: uses its project, document, codebook, counts and widgets."""

    # How often others' writes are looked for: a project file is polled (a few microseconds), a server study
    # listened to (the thread wakes this often to gather what arrived). Tests set it short.
    LIVE_SECONDS = 2.0

    project: Project
    document: dict[str, Any] | None
    app: Any

    def start_live(self) -> None:
        self.live_stop = threading.Event()
        self.live_refreshes = 0  # how many times others' work was redrawn (tests and benchmarks read it)
        if self.project.on_server:
            url = self.project.server_conn.url
            if url is None:
                return
            thread = threading.Thread(
                target=listen_for_changes,
                args=(url, self.heard_from_others, self.live_stop, self.LIVE_SECONDS),
                kwargs={"own_pid": own_backend_pid(self.project)},
                name="qualcode-listen",
                daemon=True,  # it holds no work of the coder's: nothing to finish at exit
            )
            thread.start()
        else:
            self.live_mark = file_mark(self.project)
            self.set_interval(self.LIVE_SECONDS, self.poll_file)  # type: ignore[attr-defined]

    def stop_live(self) -> None:
        stop = getattr(self, "live_stop", None)
        if stop is not None:
            stop.set()

    def heard_from_others(self) -> None:
        self.post_message(OthersChanged())  # type: ignore[attr-defined]  # thread-safe

    def poll_file(self) -> None:
        mark = file_mark(self.project)
        if mark != self.live_mark:
            self.live_mark = mark
            self.show_others_work()

    def on_others_changed(self, _message: OthersChanged) -> None:
        self.show_others_work()

    def show_others_work(self) -> None:
        try:
            self.redraw_others_work()
        except QualcodeError as exc:  # e.g. the server went away again: say so, keep the screen as it was
            self.notify(safe_text(str(exc)), severity="error", markup=False)  # type: ignore[attr-defined]

    def redraw_others_work(self) -> None:
        """Redraw what others may have changed: the codebook (rebuilt only if it changed, else its counts),
        the documents' counts, the codings and memos of the segments on screen, the status bar. The cursor
        stays where it is; a dialog on top keeps its input (only the workbench beneath is redrawn)."""
        from qualcode.tui.widgets.codebook_tree import CodebookTree
        from qualcode.tui.widgets.panels import DocumentList, StatusBar
        from qualcode.tui.widgets.transcript import TranscriptView

        self.live_refreshes += 1
        wb: Any = self
        codebook = load_codebook(self.project)
        wb.counts = code_codings(self.project)
        tree = wb.query_one(CodebookTree)
        if codebook != wb.codebook:
            wb.codebook = codebook
            tree.load(codebook, wb.counts)
            wb.show_quick()
        else:
            tree.update_counts(wb.counts)
        listing = wb.query_one(DocumentList)
        docs = list_documents(self.project)
        if [d["id"] for d in docs] != [d["id"] for d in listing.documents]:
            listing.load(docs, self.document["id"] if self.document else None)
        else:
            for doc in docs:
                if doc != listing.get(doc["id"]):
                    listing.relabel(doc)
        if self.document is not None:
            self.document = listing.get(self.document["id"]) or self.document
        wb.query_one(TranscriptView).refresh_rows()
        fields = wb.query_one(StatusBar).fields
        wb.update_titles(fields[5] if fields else "")
