"""The coding workbench: documents, the transcript, the codebook and suggestions, driven from the keyboard."""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Label, OptionList, Static, Tree
from textual.widgets.option_list import Option

from qualcode.app.session import CodingSession
from qualcode.core.display import safe_text
from qualcode.errors import QualcodeError
from qualcode.store.browse import (
    SegmentFilter,
    next_uncoded,
    segment_index,
    segment_matches,
)
from qualcode.store.codebook import code_codings, load_codebook
from qualcode.store.codings import get_coding
from qualcode.store.documents import list_documents
from qualcode.store.memos import get_memo
from qualcode.store.project import Project
from qualcode.store.quickkeys import load_quick_keys, save_quick_keys
from qualcode.tui.screens.dialogs import ChoicePicker, CodePicker, ContributionDialog, MemoDialog, SpanDialog
from qualcode.tui.screens.workbench_live import LiveUpdates
from qualcode.tui.screens.workbench_more import MoreActions
from qualcode.tui.widgets.busy import Ticker
from qualcode.tui.widgets.codebook_tree import CodebookTree, CodeDetail
from qualcode.tui.widgets.footer import KeyFooter
from qualcode.tui.widgets.layout import MIN_SIZE, arrange
from qualcode.tui.widgets.panels import DocumentList, StatusBar, update_line
from qualcode.tui.widgets.transcript import TranscriptView

QUICK_SLOTS = 9
RETRAIN_AFTER = 5  # changes before the suggester is refitted (in a worker thread)
SUGGESTER_DELAY = 0.5  # seconds after opening before the suggester starts loading
RETRAIN_MIN_SECONDS = 20.0  # and at most this often: a refit shares the CPU (and the GIL) with the screen


class Workbench(LiveUpdates, MoreActions, Screen[None]):
    BINDINGS = [
        Binding("j", "move(1)", "Next", show=False),
        Binding("k", "move(-1)", "Prev", show=False),
        Binding("n", "next_uncoded", "Next uncoded"),
        Binding("c", "code", "Code"),
        Binding("x", "uncode", "Remove code"),
        Binding("s", "code_span", "Code part"),
        Binding("e", "contribution", "Contribution"),
        Binding("m", "memo", "Memo"),
        Binding("a", "accept_suggestion", "Accept suggestion"),
        Binding("r", "reject_suggestion", "Reject suggestion"),
        Binding("u", "undo", "Undo"),
        Binding("U,ctrl+y", "redo", "Redo", show=False),
        Binding("slash", "search", "Search"),
        Binding("f", "filter", "Filter"),
        Binding("F", "clear_filter", "Clear filter", show=False),
        Binding("R", "review", "Review"),
        Binding("b", "codebook", "Codebook"),
        Binding("D", "disagreements", "Compare coders"),
        Binding("S", "summary", "Summary"),
        Binding("E", "export", "Export"),
        Binding("A", "autocode_queue", "Auto-coding queue"),
        Binding("L", "similar", "Segments like this"),
        Binding("O", "outcome_map", "Outcome map"),
        Binding("I", "import", "Import files"),
        Binding("p", "pin", "Pin code to a quick key"),
        Binding("d", "toggle_documents", "Documents panel"),
        Binding("t", "toggle_tools", "Codebook panel"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        *[Binding(str(i), f"quick({i})", f"Quick code {i}", show=False) for i in range(1, QUICK_SLOTS + 1)],
    ]

    def __init__(self, session: CodingSession) -> None:
        super().__init__()
        self.session = session
        self.project = session.project
        self.document: dict[str, Any] | None = None
        self.filter = SegmentFilter()
        self.quick: list[str | None] = load_quick_keys(self.project, session.coder)
        self.want_documents: bool | None = None  # None: the default for the terminal's width
        self.want_tools: bool | None = None
        self.last_toggled = "tools"
        self.codebook = load_codebook(self.project)
        self.suggester: Any = None  # qualcode.nlp.suggest.Suggester, built in a worker thread
        self.suggestions: list[Any] = []
        self.changes_since_fit = 0
        self.fitting = False  # a refit thread is running
        self.fit_done = (
            threading.Event()
        )  # set when a fit thread has finished (tests and benchmarks wait on it)
        self.fit_done.set()
        self.last_fit = 0.0
        self.counts: dict[str, int] = {}  # codings per code key, as the codebook tree shows them
        self.suggestions_for: int | None = None  # the segment whose suggestions the panel shows
        self.suggestions_due = False  # the highlighted segment changed: suggestions follow after the frame

    # -- layout ----------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Label("Documents", classes="panel-title")
                yield DocumentList(id="documents")
            with Vertical(id="centre"):
                yield Label("", id="doc-title", classes="panel-title")
                yield TranscriptView(id="transcript")
            with Vertical(id="right"):
                yield Label("Codebook", classes="panel-title")
                yield Static("", id="quick")
                yield CodebookTree(id="codebook")
                yield CodeDetail("", id="code-detail")
                yield Label("Suggestions — learning…", id="suggestions-title", classes="panel-title")
                yield OptionList(id="suggestions")
        yield Static("", id="too-small")
        yield StatusBar(id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.fit_ticker = Ticker(self.query_one("#suggestions-title", Label))
        self.arrange_panels()
        docs = list_documents(self.project)
        self.query_one(DocumentList).load(docs)
        self.reload_codebook()
        if docs:
            self.open_document(docs[0]["id"])
            self.query_one(DocumentList).select(docs[0]["id"])
        self.query_one(TranscriptView).focus()
        # Show the transcript first: loading spaCy and fitting compete with the first paint for the CPU.
        self.set_timer(SUGGESTER_DELAY, self.train_suggester)
        self.start_live()  # others' codings appear as they are saved

    def on_unmount(self) -> None:
        self.stop_live()

    def on_resize(self, event: events.Resize) -> None:
        self.arrange_panels()

    def arrange_panels(self) -> None:
        """Give the transcript at least half the width; collapse side panels when narrow; ask for more room
        below 80x24."""
        width, height = self.app.size
        plan = arrange(width, height, self.want_documents, self.want_tools, self.last_toggled)
        left, right = self.query_one("#left"), self.query_one("#right")
        left.display, right.display = plan.documents, plan.tools
        left.styles.width, right.styles.width = plan.left_width, plan.right_width
        self.query_one("#main").display = not plan.too_small
        small = self.query_one("#too-small", Static)
        small.display = plan.too_small
        small.update(
            f"This terminal is {width}x{height}. The workbench needs at least {MIN_SIZE[0]}x{MIN_SIZE[1]}:"
            " please make the window larger (or the font smaller). q quits."
        )
        self.set_class(plan.narrow, "-narrow")

    def action_toggle_documents(self) -> None:
        shown = self.query_one("#left").display
        self.want_documents, self.last_toggled = not shown, "documents"
        if not shown and self.has_class("-narrow"):
            self.want_tools = False
        self.arrange_panels()
        if self.query_one("#left").display:
            self.query_one(DocumentList).focus()
        else:
            self.query_one(TranscriptView).focus()

    def action_toggle_tools(self) -> None:
        shown = self.query_one("#right").display
        self.want_tools, self.last_toggled = not shown, "tools"
        if not shown and self.has_class("-narrow"):
            self.want_documents = False
        self.arrange_panels()
        if not self.query_one("#right").display:
            self.query_one(TranscriptView).focus()

    def action_quit(self) -> None:
        """Quit at once: a suggester fit in its daemon thread is abandoned, not awaited."""
        self.app.exit()

    # -- suggestions -------------------------------------------------------------------------------------
    def train_suggester(self) -> None:
        if not self.fitting:
            self.fitting, self.last_fit = True, time.monotonic()
            # the first fit of a large project takes seconds: the title counts them
            self.fit_ticker.start(
                "Suggestions — learning…"
                if self.suggester is None
                else "Suggestions — learning from your codings…"
            )
            self.fit_suggester()

    def fit_suggester(self) -> None:
        """Fit the suggester in a daemon thread: quitting never waits for it (a Textual thread worker runs on
        asyncio's default executor, which the interpreter joins at exit: 2-3.5 s while spaCy loads)."""
        self.fit_done.clear()
        threading.Thread(target=self._fit, name="qualcode-suggester", daemon=True).start()

    def _fit(self) -> None:
        """Runs in the thread with its own connection; spaCy and sklearn load here, with the garbage collector
        paused: each of its full passes over their new objects held the GIL for 0.2-0.5 s while the screen
        waited (build_nlp then freezes those objects out of every later pass)."""
        gc.disable()
        try:
            from qualcode.nlp.pipeline import build_nlp
            from qualcode.nlp.suggest import Suggester

            build_nlp()
        finally:
            gc.enable()
        try:
            with Project.open(self.project.path, coder=self.session.coder) as project:
                result: Any = Suggester.from_project(project, self.session.coder)
        except Exception as exc:  # noqa: BLE001 - any failure is shown to the coder; coding goes on without it
            result = exc
        try:
            self.app.call_from_thread(self.suggester_ready, result)
        except RuntimeError:  # the app has already quit: nobody needs the result
            pass
        finally:
            self.fit_done.set()

    def suggester_ready(self, suggester: Any) -> None:
        self.fitting = False
        self.fit_ticker.stop()
        if isinstance(suggester, BaseException):
            self.query_one("#suggestions-title", Label).update("Suggestions unavailable")
            self.notify(
                f"Suggestions unavailable: {safe_text(str(suggester))}", severity="warning", markup=False
            )
            return
        self.suggester = suggester
        self.query_one("#suggestions-title", Label).update(
            f"Suggestions  a accept · r reject  ({suggester.version})"
        )
        self.update_current()

    def note_change(self, segment_id: int | None = None, code: str | None = None) -> None:
        """Tell the suggester what was decided, and refit it after every few changes."""
        if self.suggester is not None and segment_id is not None and code is not None:
            self.suggester.mark_decided(segment_id, code)
        self.changes_since_fit += 1
        due = time.monotonic() - self.last_fit >= RETRAIN_MIN_SECONDS
        if self.changes_since_fit >= RETRAIN_AFTER and due and not self.fitting:
            self.changes_since_fit = 0
            self.train_suggester()

    # -- loading ---------------------------------------------------------------------------------------
    def reload_codebook(self) -> None:
        self.codebook = load_codebook(self.project)
        self.counts = code_codings(self.project)
        self.query_one(CodebookTree).load(self.codebook, self.counts)
        self.show_quick()

    def show_quick(self) -> None:
        known = self.codebook.by_key()
        text = Text("Quick: ", style="dim")
        for i, key in enumerate(self.quick, start=1):
            if key and key in known:
                text.append(f"{i}", style="bold reverse")
                text.append(f" {key.rsplit('.', 1)[-1]}  ")
        if not any(k in known for k in self.quick if k):
            text.append("highlight a code, press p to pin it to 1-9", style="dim italic")
        self.query_one("#quick", Static).update(text, layout=False)  # its height is fixed: no re-layout

    def open_document(self, document_id: int, index: int = 0) -> None:
        # The document's counts come from the list loaded at the start and kept current by after_change: a
        # fresh count reads every segment of the document (tens of ms for a 50,000-answer survey).
        doc = self.query_one(DocumentList).get(document_id)
        if doc is None:
            found = list_documents(self.project, document_id)
            if not found:
                return
            doc = found[0]
        self.document = doc
        known = doc["segments"] if self.filter.is_empty() else None
        self.query_one(TranscriptView).show(
            self.project, self.session.coder, document_id, self.filter, index, known
        )
        self.update_titles()
        self.update_current()

    def update_titles(self, note: str = "") -> None:
        if self.document is None:
            return
        view = self.query_one(TranscriptView)
        title = Text(safe_text(self.document["name"]), style="bold")
        title.append(f"  {self.document['source_type']}  ", style="dim")
        title.append("counting segments…" if view.counting else f"{view.total} segments", style="dim")
        if not self.filter.is_empty():
            title.append(f"  filter: {self.filter.describe()} (F clears)", style="yellow")
        update_line(self.query_one("#doc-title", Label), title)
        coded, total = self.document["coded_participant_segments"], self.document["participant_segments"]
        self.query_one(StatusBar).show(
            self.project.name, self.session.coder, self.document["name"], coded, total, note
        )

    def update_current(self) -> None:
        """Show suggestions for the highlighted segment once the frame that moved or coded it has been drawn:
        scoring takes 10-40 ms, and the key's own effect is what the coder waits to see. Several moves before
        that frame cost one scoring, for the segment the cursor ends on."""
        if not self.suggestions_due:
            self.suggestions_due = True
            self.call_after_refresh(self.show_suggestions)

    def show_suggestions(self) -> None:
        """Score the highlighted segment and fill the suggestions panel (now, whatever is pending)."""
        self.suggestions_due = False
        panel = self.query_one("#suggestions", OptionList)
        panel.clear_options()
        seg = self.segment
        self.suggestions = []
        self.suggestions_for = seg["id"] if seg else None
        if self.suggester is None or seg is None:
            return
        if not seg.get("case"):
            # The research team's own turns (interviewer, facilitator) are not evidence: nothing to suggest.
            panel.add_option(
                Option(Text("No suggestions for research-team turns.", style="dim italic"), disabled=True)
            )
            return
        self.suggestions = self.suggester.suggest([(seg["id"], seg["text"])], top_k=5).get(seg["id"], [])
        for i, sug in enumerate(self.suggestions, start=1):
            label = Text(f"{i} ", style="dim")
            label.append(sug.code, style="bold")
            label.append(f" {sug.score:.2f}\n", style="cyan")
            label.append(safe_text(sug.reason)[:160], style="dim")
            panel.add_option(Option(label, id=f"sug-{i}"))
        if self.suggestions:
            panel.highlighted = 0

    def chosen_suggestion(self) -> Any:
        seg = self.segment
        if self.suggestions_due or (seg is not None and seg["id"] != self.suggestions_for):
            self.show_suggestions()  # `a` pressed before the panel caught up: never accept another's
        panel = self.query_one("#suggestions", OptionList)
        if not self.suggestions:
            self.notify(
                "No suggestion for this segment." if self.suggester else "Suggestions are still learning…"
            )
            return None
        return self.suggestions[panel.highlighted or 0]

    def action_accept_suggestion(self) -> None:
        seg, sug = self.segment, self.chosen_suggestion()
        if seg is None or sug is None:
            return
        if self.run_safely(self.session.accept_suggestion, seg["id"], sug.code, sug.provenance()) is not None:
            self.note_change(seg["id"], sug.code)
            self.after_change(seg["id"], f"accepted {sug.code}")

    def action_reject_suggestion(self) -> None:
        seg, sug = self.segment, self.chosen_suggestion()
        if seg is None or sug is None:
            return
        self.run_safely(self.session.reject_suggestion, seg["id"], sug.code, sug.provenance())
        self.note_change(seg["id"], sug.code)
        self.update_titles(f"rejected {sug.code}")
        self.update_current()

    def after_change(self, segment_id: int | None, note: str) -> None:
        """Redraw what a change touched: the segment (when one is named), and the code and document counts,
        read from the tables the writes keep (schema_counts), so the cost does not grow with the study."""
        view = self.query_one(TranscriptView)
        self.counts = code_codings(self.project)  # read from the counts the writes keep: no scan
        self.query_one(CodebookTree).update_counts(self.counts)
        if segment_id is not None:
            view.refresh_segment(segment_id)
        if self.document is not None:  # one document's counts, kept by the writes: no recount
            (self.document,) = list_documents(self.project, self.document["id"])
            self.query_one(DocumentList).relabel(self.document)
        self.update_titles(note)
        self.update_current()  # whatever the route (c, 1-9, the tree, a), the suggestions follow the coding

    def run_safely(self, action: Any, *args: Any, **kwargs: Any) -> Any:
        """Run a store action; a QualcodeError becomes a notification, not a crash."""
        try:
            return action(*args, **kwargs)
        except QualcodeError as exc:
            # Messages quote user text (keys, names): shown as written, never as markup.
            self.notify(safe_text(str(exc)), severity="error", markup=False)
            return None

    @property
    def segment(self) -> dict[str, Any] | None:
        return self.query_one(TranscriptView).current

    # -- events ----------------------------------------------------------------------------------------
    @on(OptionList.OptionSelected, "#documents")
    def document_chosen(self, event: OptionList.OptionSelected) -> None:
        self.open_document(int(event.option.id or 0))
        self.query_one(TranscriptView).focus()

    @on(TranscriptView.Counted)
    def segments_counted(self) -> None:
        fields = self.query_one(StatusBar).fields
        self.update_titles(fields[5] if fields else "")

    @on(OptionList.OptionHighlighted, "#transcript")
    def segment_highlighted(self) -> None:
        seg = self.segment
        if self.suggestions_due or seg is None or seg["id"] != self.suggestions_for:
            self.update_current()

    @on(Tree.NodeHighlighted, "#codebook")
    def code_highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        self.query_one(CodeDetail).show(self.codebook.by_key().get(event.node.data or ""))

    @on(Tree.NodeSelected, "#codebook")
    def code_selected(self, event: Tree.NodeSelected[str]) -> None:
        if event.node.data:
            self.apply_code(event.node.data)

    # -- coding actions -------------------------------------------------------------------------------
    def action_move(self, delta: int) -> None:
        self.query_one(TranscriptView).move(delta)

    def action_next_uncoded(self) -> None:
        seg = self.segment
        if self.document is None:
            return
        position = seg["position"] if seg else -1
        found = next_uncoded(self.project, self.document["id"], position, self.session.coder)
        if found is None:
            self.notify("No uncoded participant segments after this one.")
            return
        self.jump_to_segment(found)

    def jump_to_segment(self, segment_id: int) -> None:
        """Show a segment, dropping the filter if the segment is hidden by it."""
        if not self.filter.is_empty() and not segment_matches(self.project, segment_id, self.filter):
            self.filter = SegmentFilter()
        view = self.query_one(TranscriptView)
        if view.row(segment_id) is not None:  # already loaded (often the next uncoded): just move there
            view.move_to(segment_id)
            return
        place = segment_index(self.project, segment_id, self.filter)
        if place is not None:
            self.open_document(*place)
            self.query_one(DocumentList).select(place[0])

    def _jump_if_chosen(self, segment_id: int | None) -> None:
        """Callback for screens that dismiss with a segment id, or None (or 0) when nothing was chosen."""
        if segment_id:
            self.jump_to_segment(segment_id)

    def apply_code(self, key: str, start: int | None = None, end: int | None = None) -> None:
        seg = self.segment
        if seg is None:
            return
        if self.run_safely(self.session.code, seg["id"], key, start, end) is not None:
            self.note_change(seg["id"], key)
            self.after_change(seg["id"], f"coded {key}")

    def action_code(self) -> None:
        if self.segment is None:
            return
        own = {
            c["code"]
            for c in self.segment["codings"]
            if c["coder"] == self.session.coder
            and (c["start"], c["end"]) == (self.segment["start"], self.segment["end"])
        }

        def picked(key: str | None) -> None:
            if key:
                self.apply_code(key)

        self.app.push_screen(CodePicker(self.codebook.codes, exclude=own), picked)

    def action_quick(self, slot: int) -> None:
        key = self.quick[slot - 1]
        if key and key in self.codebook.by_key():
            self.apply_code(key)
        else:
            self.notify(f"Quick key {slot} is empty: highlight a code in the codebook and press p to pin it.")

    def action_pin(self) -> None:
        """Pin the code highlighted in the codebook to the next free quick key; p on a pinned code unpins it."""
        node = self.query_one(CodebookTree).cursor_node
        key = node.data if node is not None else None
        if not key:
            self.notify("Highlight a code in the codebook (t shows it when narrow), then press p.")
            return
        slots = list(self.quick)
        if key in slots:
            slots[slots.index(key)] = None
            note = f"unpinned {key}"
        else:
            known = self.codebook.by_key()
            free = next((i for i, k in enumerate(slots) if not k or k not in known), None)
            if free is None:
                self.notify("All nine quick keys are pinned: press p on a pinned code to free its key.")
                return
            slots[free] = key
            note = f"pinned {key} to {free + 1}"
        saved = self.run_safely(save_quick_keys, self.project, self.session.coder, slots)
        if saved is None:
            return
        self.quick = saved
        self.show_quick()
        self.notify(note)

    def action_code_span(self) -> None:
        seg = self.segment
        if seg is None:
            return

        def chosen(span: tuple[int, int] | None) -> None:
            if span:
                a, b = span

                def picked(key: str | None) -> None:
                    if key:
                        self.apply_code(key, seg["start"] + a, seg["start"] + b)

                self.app.push_screen(
                    CodePicker(self.codebook.codes, title=f"Code “{seg['text'][a:b][:60]}”"), picked
                )

        self.app.push_screen(SpanDialog(seg["text"]), chosen)

    def own_codings(self) -> list[dict[str, Any]]:
        seg = self.segment
        return [c for c in seg["codings"] if c["coder"] == self.session.coder] if seg else []

    def choose_own_coding(self, title: str, then: Any) -> None:
        codings = self.own_codings()
        if not codings:
            self.notify("You have no codings on this segment.")
        elif len(codings) == 1:
            then(codings[0]["id"])
        else:
            seg = self.segment
            assert seg is not None
            choices: list[tuple[str, Text | str]] = []
            for c in codings:
                label = Text(c["code"], style="bold")
                if (c["start"], c["end"]) != (seg["start"], seg["end"]):
                    label.append(
                        f"  “{safe_text(seg['text'][c['start'] - seg['start'] : c['end'] - seg['start']][:50])}”"
                    )
                choices.append((str(c["id"]), label))
            self.app.push_screen(ChoicePicker(title, choices), lambda cid: cid and then(int(cid)))

    def action_uncode(self) -> None:
        seg = self.segment

        def remove(coding_id: int) -> None:
            before = self.run_safely(self.session.uncode, coding_id)
            if before and seg:
                self.after_change(seg["id"], f"removed {before['code']}")

        self.choose_own_coding("Remove which code?", remove)

    def action_contribution(self) -> None:
        seg = self.segment

        def edit(coding_id: int) -> None:
            coding = get_coding(self.project, coding_id)

            def save(result: tuple[str, str, str | None] | None) -> None:
                if result is not None and seg:
                    done = self.run_safely(self.session.set_contribution, coding_id, *result)
                    if done:
                        self.after_change(seg["id"], f"contribution {result[0] or 'cleared'}")

            self.app.push_screen(ContributionDialog(coding, *self.claim_choices()), save)

        self.choose_own_coding("Contribution for which coding?", edit)

    def action_memo(self) -> None:
        seg = self.segment
        if seg is None:
            return

        def save(text: str | None) -> None:
            if text is not None:
                self.run_safely(self.session.memo, "segment", seg["id"], text)
                self.query_one(TranscriptView).refresh_segment(seg["id"])
                self.update_titles("memo saved" if text.strip() else "memo deleted")

        current = get_memo(self.project, "segment", seg["id"], self.session.coder)
        self.app.push_screen(MemoDialog(f"Memo on segment #{seg['id']}", current), save)

    def action_undo(self) -> None:
        self.undo_redo(self.session.undo, "undid")

    def action_redo(self) -> None:
        self.undo_redo(self.session.redo, "redid")

    def undo_redo(self, action: Any, verb: str) -> None:
        view = self.query_one(TranscriptView)
        label = self.run_safely(action)
        if label is None:
            self.notify(f"Nothing to {'undo' if verb == 'undid' else 'redo'}.")
            return
        self.notify(f"{verb.capitalize()}: {safe_text(label)}", markup=False)
        if self.document is not None:
            index = view.current_index
            known = self.document["segments"] if self.filter.is_empty() else None
            view.show(self.project, self.session.coder, self.document["id"], self.filter, index, known)
        self.note_change()
        self.after_change(None, f"{verb} {label}")

    # -- other screens ----------------------------------------------------------------------------------
    def action_filter(self) -> None:
        from qualcode.tui.screens.filters import FilterDialog

        def apply(flt: SegmentFilter | None) -> None:
            if flt is not None:
                self.set_filter(flt)

        self.app.push_screen(
            FilterDialog(self.project, self.codebook, self.filter, self.session.coder), apply
        )

    def action_clear_filter(self) -> None:
        if not self.filter.is_empty() and self.document is not None:
            self.filter = SegmentFilter()
            self.open_document(self.document["id"])

    def refresh_all(self) -> None:
        """After a screen that may have changed codes and codings anywhere: recount everything."""
        self.reload_codebook()
        self.reload_documents()
        if self.document is not None:
            self.open_document(self.document["id"], self.query_one(TranscriptView).current_index)
