"""The transcript: one option per segment, paged from SQLite so a document of any size stays light."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.text import Text
from textual import work
from textual.message import Message
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from qualcode.core.display import safe_text
from qualcode.store.browse import SegmentFilter, codings_for_segments, count_segments, segment_page
from qualcode.store.memos import memos_on
from qualcode.store.project import Project
from qualcode.tui.widgets.inplace import InPlaceOptionList

PAGE = 60
CONTRIB_MARK = {"sufficient": "S", "necessary": "N", "improved": "I", "none": "∅"}


def chip(coding: dict[str, Any], own_coder: str) -> Text:
    colour = coding.get("colour") or "#888888"
    label = coding["code"]
    if coding.get("contribution"):
        label += f" {CONTRIB_MARK[coding['contribution']]}"
    if coding["coder"] != own_coder:
        label += f" ({coding['coder']})"
    return Text(f" {label} ", style=f"bold #000000 on {colour}", no_wrap=True, overflow="ellipsis")


class ChipLine:
    """Code chips packed onto lines whole: a line breaks only between chips, so a chip's contribution mark or
    coder name never lands on a line of its own (a chip wider than the line is cut with an ellipsis)."""

    def __init__(self, chips: list[Text]) -> None:
        self.chips = chips

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(1, options.max_width)
        line, used = Text(), 0
        for chip_text in self.chips:
            size = chip_text.cell_len
            if used and used + 1 + size > width:
                yield line
                line, used = Text(), 0
            if used:
                line.append(" ")
                used += 1
            piece = chip_text.copy()
            if size > width:
                piece.truncate(width, overflow="ellipsis")
            line.append_text(piece)
            used += min(size, width)
        yield line


def render_segment(row: dict[str, Any], own_coder: str) -> Group:
    """A segment as the coder sees it: who speaks, the words (never parsed as markup), the code chips."""
    who = row.get("speaker") or row.get("question") or ""
    head = Text(f"#{row['id']} ", style="dim")
    head.append(safe_text(who), style="bold")
    if row.get("case") and row["case"] != who:
        head.append(f" · {safe_text(row['case'])}", style="dim italic")
    spans = [c for c in row["codings"] if (c["start"], c["end"]) != (row["start"], row["end"])]
    if spans:
        head.append(f"  {len(spans)} part-coded", style="dim")
    memos = row.get("memos") or []
    if memos:
        head.append(f"  ✎ memo{'s' if len(memos) > 1 else ''}", style="bold yellow")
        head.append(f" ({', '.join(safe_text(m['coder']) for m in memos)})", style="yellow")
    body = Text(safe_text(row["text"]))
    for c in spans:  # underline coded sub-spans so they can be seen in place
        a, b = c["start"] - row["start"], c["end"] - row["start"]
        body.stylize(f"underline {c.get('colour') or ''}".strip(), a, b)
    # The chips line is always there (saying "uncoded" when empty), so coding a segment keeps its height
    # and only that segment has to be redrawn.
    chips: ChipLine | Text
    if row["codings"]:
        chips = ChipLine([chip(c, own_coder) for c in row["codings"]])
    else:
        chips = Text("uncoded" if row.get("case") else "", style="dim italic")
    return Group(head, body, chips, Text(""))


class TranscriptView(InPlaceOptionList):
    """Shows a window of up to PAGE segments of one document and slides the window as the cursor moves."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.project: Project | None = None
        self.coder = ""
        self.document_id: int | None = None
        self.segment_filter = SegmentFilter()
        self.window_start = 0
        self.total = 0
        self.rows: list[dict[str, Any]] = []
        self.counting = False  # the total is being counted in a worker (see show)

    class Counted(Message):
        """The filtered segments of the shown document have been counted (`total` is now exact)."""

    def show(
        self,
        project: Project,
        coder: str,
        document_id: int,
        flt: SegmentFilter,
        index: int = 0,
        total: int | None = None,
    ) -> None:
        """Load the document (filtered) with the segment at `index` highlighted; `total` is the number of
        segments shown if the caller knows it (the document's size when nothing is filtered)."""
        self.project, self.coder, self.document_id, self.segment_filter = project, coder, document_id, flt
        self.counting = False
        if total is None and index < PAGE // 4:
            # The first page needs no count: show it now and count in a worker (under a filter the count
            # probes every segment of the document, 30-40 ms for a 50,000-answer survey). Until the count
            # arrives the cursor moves within the first page.
            self.total = PAGE
            self._load_window(0, index)
            if len(self.rows) < PAGE:
                self.total = len(self.rows)
            else:
                self.counting = True
                self.count_in_background(project.path, document_id, flt)
            return
        self.total = count_segments(project, document_id, flt) if total is None else total
        self._load_window(max(0, index - PAGE // 4), index)

    @work(thread=True, exclusive=True, group="transcript-count")
    def count_in_background(self, path: Path, document_id: int, flt: SegmentFilter) -> None:
        worker = get_current_worker()
        with Project.open(path, coder=self.coder, check=False) as project:
            total = count_segments(project, document_id, flt)
        if not worker.is_cancelled:
            self.app.call_from_thread(self.counted, document_id, flt, total)

    def counted(self, document_id: int, flt: SegmentFilter, total: int) -> None:
        if self.counting and (document_id, flt) == (self.document_id, self.segment_filter):
            self.total, self.counting = total, False
            self.post_message(self.Counted())

    def _load_window(self, offset: int, index: int) -> None:
        assert self.project is not None and self.document_id is not None
        self.window_start = max(0, min(offset, max(0, self.total - PAGE)))
        self.rows = segment_page(self.project, self.document_id, self.window_start, PAGE, self.segment_filter)
        memos = memos_on(self.project, "segment", [r["id"] for r in self.rows])
        for row in self.rows:
            row["memos"] = memos.get(row["id"], [])
        self.clear_options()
        self.add_options([Option(render_segment(r, self.coder), id=f"seg-{r['id']}") for r in self.rows])
        if self.rows:
            self.highlighted = max(0, min(index - self.window_start, len(self.rows) - 1))

    @property
    def current(self) -> dict[str, Any] | None:
        if self.highlighted is None or not (0 <= self.highlighted < len(self.rows)):
            return None
        return self.rows[self.highlighted]

    @property
    def current_index(self) -> int:
        return self.window_start + (self.highlighted or 0)

    def move(self, delta: int) -> None:
        """Move the cursor, sliding the window when it reaches an edge of the loaded page."""
        if not self.rows:
            return
        target = max(0, min(self.current_index + delta, self.total - 1))
        if not (self.window_start <= target < self.window_start + len(self.rows)):
            self._load_window(target - (PAGE // 4 if delta > 0 else 3 * PAGE // 4), target)
        else:
            self.highlighted = target - self.window_start

    def row(self, segment_id: int) -> dict[str, Any] | None:
        """The loaded row of a segment, or None if it is outside the window (or hidden by the filter)."""
        return next((r for r in self.rows if r["id"] == segment_id), None)

    def move_to(self, segment_id: int) -> None:
        """Highlight a loaded segment (see row)."""
        for i, r in enumerate(self.rows):
            if r["id"] == segment_id:
                self.move(self.window_start + i - self.current_index)
                return

    def refresh_segment(self, segment_id: int) -> None:
        """Re-read one segment's codings and redraw just that option."""
        for i, row in enumerate(self.rows):
            if row["id"] == segment_id and self.project is not None:
                row["codings"] = codings_for_segments(self.project, [segment_id]).get(segment_id, [])
                row["memos"] = memos_on(self.project, "segment", [segment_id]).get(segment_id, [])
                self.replace_prompt_in_place(i, render_segment(row, self.coder))
                return

    def refresh_rows(self) -> None:
        """Re-read the codings and memos of every loaded segment and redraw those that changed (others' work
        arriving), in place: the cursor and the scroll position stay."""
        if self.project is None or not self.rows:
            return
        ids = [r["id"] for r in self.rows]
        codings = codings_for_segments(self.project, ids)
        memos = memos_on(self.project, "segment", ids)
        for i, row in enumerate(self.rows):
            fresh = codings.get(row["id"], []), memos.get(row["id"], [])
            if fresh != (row["codings"], row["memos"]):
                row["codings"], row["memos"] = fresh
                self.replace_prompt_in_place(i, render_segment(row, self.coder))
