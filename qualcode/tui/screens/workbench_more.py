"""Workbench actions that open the newer screens: the auto-coding queue, segments like this one, the outcome
map, importing files, and the "least sure" filter (a mixin, so workbench.py stays readable)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual import work

from qualcode.store.browse import SegmentFilter
from qualcode.store.project import Project


class MoreActions:
    """Mixed into Workbench: uses its session, project, filter, document and helpers."""

    session: Any
    project: Project
    filter: SegmentFilter
    document: dict[str, Any] | None
    app: Any

    def action_autocode_queue(self) -> None:
        from qualcode.tui.screens.queue import PendingScreen

        def decided(segment_id: int, code: str) -> None:
            self.note_change(segment_id, code)  # type: ignore[attr-defined]

        self.app.push_screen(PendingScreen(self.session, decided), lambda _: self.refresh_all())  # type: ignore[attr-defined]

    def action_similar(self) -> None:
        from qualcode.tui.screens.queue import SimilarScreen

        seg = self.segment  # type: ignore[attr-defined]
        if seg is None:
            return
        self.app.push_screen(SimilarScreen(self.project, seg), self._jump_if_chosen)  # type: ignore[attr-defined]

    def action_search(self) -> None:
        from qualcode.tui.screens.search import SearchScreen

        self.app.push_screen(SearchScreen(self.project), self._jump_if_chosen)  # type: ignore[attr-defined]

    def action_review(self) -> None:
        from qualcode.tui.screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen(self.project, self.session.coder), lambda _: self.refresh_all())  # type: ignore[attr-defined]

    def action_codebook(self) -> None:
        from qualcode.tui.screens.codebook import CodebookScreen

        self.app.push_screen(CodebookScreen(self.project), lambda _: self.refresh_all())  # type: ignore[attr-defined]

    def action_disagreements(self) -> None:
        from qualcode.tui.screens.disagreements import DisagreementScreen

        self.app.push_screen(DisagreementScreen(self.project), self._jump_if_chosen)  # type: ignore[attr-defined]

    def action_summary(self) -> None:
        from qualcode.tui.screens.summary import SummaryScreen

        self.app.push_screen(SummaryScreen(self.project))

    def action_export(self) -> None:
        from qualcode.tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen(self.project))

    def action_help(self) -> None:
        from qualcode.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self))  # type: ignore[arg-type]  # mixed into the Workbench screen

    def claim_choices(self) -> tuple[list[str], dict[str, str]]:
        """Claim texts for the contribution dialog (claim objects first, then claims only written on codings),
        and the key of each claim object."""
        from qualcode.store.browse import claims
        from qualcode.store.claims import list_claims

        objects = list_claims(self.project)
        keys = {c["claim"]: c["key"] for c in objects}
        texts = list(keys)
        return texts + [c for c in claims(self.project) if c not in keys], keys

    def action_outcome_map(self) -> None:
        from qualcode.tui.screens.outcome_map import OutcomeMapScreen

        self.app.push_screen(OutcomeMapScreen(self.session), lambda _: self.refresh_all())  # type: ignore[attr-defined]

    def action_import(self) -> None:
        from qualcode.tui.screens.importer import ImportDialog

        def imported(count: int | None) -> None:
            if count:
                self.reload_documents()

        self.app.push_screen(ImportDialog(self.project), imported)

    def reload_documents(self) -> None:
        from qualcode.store.documents import list_documents
        from qualcode.tui.widgets.panels import DocumentList

        docs = list_documents(self.project)
        listing = self.query_one(DocumentList)  # type: ignore[attr-defined]
        listing.load(docs)
        if self.document is not None:
            self.document = listing.get(self.document["id"]) or self.document
            listing.select(self.document["id"])
        elif docs:
            self.open_document(docs[0]["id"])  # type: ignore[attr-defined]

    def set_filter(self, flt: SegmentFilter) -> None:
        """Apply a filter from the filter dialog; "least sure" first asks the suggester which segments (in a
        worker: it fits a model, a few seconds)."""
        if self.document is None:
            return
        if flt.least_sure and flt.only is None:
            self.notify("Finding the segments the suggester is least sure about…")  # type: ignore[attr-defined]
            self.find_least_sure(flt, self.document["name"])
            return
        self.filter = flt
        self.open_document(self.document["id"])  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, group="least-sure")
    def find_least_sure(self, flt: SegmentFilter, document: str) -> None:
        from qualcode.app.autocode import least_sure

        with Project.open(self.project.path) as project:
            rows = least_sure(project, self.session.coder, LEAST_SURE, document)
        self.app.call_from_thread(self.set_filter, replace(flt, only=tuple(r["segment_id"] for r in rows)))


LEAST_SURE = 20  # segments the "least sure" filter shows in a document
