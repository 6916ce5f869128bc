"""A coder's working session: the coding actions the workbench offers, with undo and redo.

Every action and every undo/redo is its own logged transaction; the log keeps the whole history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from qualcode.app import map_edit
from qualcode.core.rows import CodingRow
from qualcode.store.claims import judge, set_coding_links, withdraw_judgement
from qualcode.store.codings import add_coding, get_coding, remove_coding, restore_coding, update_coding
from qualcode.store.memos import get_memo, write_memo
from qualcode.store.pending import decide_pending, restore_pending
from qualcode.store.project import Project
from qualcode.store.suggestions import accept_code, reject_code, withdraw_feedback

UNDO_LIMIT = 200


@dataclass(slots=True)
class Step:
    """One undoable action: `apply` does (or redoes) it, `revert` undoes it (any return value is ignored)."""

    label: str
    apply: Callable[[], object]
    revert: Callable[[], object]
    state: dict[str, Any] = field(default_factory=dict)


class CodingSession:
    def __init__(self, project: Project, coder: str | None = None) -> None:
        self.project = project
        self.coder = (coder or project.coder).strip()
        self.undo_stack: list[Step] = []
        self.redo_stack: list[Step] = []

    def _run(self, step: Step) -> Step:
        step.apply()
        return self._push(step)

    def _push(self, step: Step) -> Step:
        """Record a step already applied (its label may name what applying it created)."""
        self.undo_stack.append(step)
        del self.undo_stack[:-UNDO_LIMIT]
        self.redo_stack.clear()
        return step

    def undo(self) -> str | None:
        if not self.undo_stack:
            return None
        step = self.undo_stack.pop()
        step.revert()
        self.redo_stack.append(step)
        return step.label

    def redo(self) -> str | None:
        if not self.redo_stack:
            return None
        step = self.redo_stack.pop()
        step.apply()
        self.undo_stack.append(step)
        return step.label

    # -- actions ----------------------------------------------------------------------------------------
    def code(
        self,
        segment_id: int,
        key: str,
        start: int | None = None,
        end: int | None = None,
        provenance: dict[str, Any] | None = None,
    ) -> int:
        state: dict[str, Any] = {}

        def apply() -> None:
            # Redo puts back the very coding that undo removed (same id and created time), not a new one.
            if "snapshot" in state:
                state["id"] = restore_coding(self.project, state.pop("snapshot"))
            else:
                state["id"] = add_coding(
                    self.project,
                    key,
                    segment_id=segment_id,
                    start=start,
                    end=end,
                    coder=self.coder,
                    provenance=provenance,
                )

        def revert() -> None:
            state["snapshot"] = remove_coding(self.project, state["id"])["snapshot"]

        step = self._run(Step(f"code {key}", apply, revert, state))
        return int(step.state["id"])

    def uncode(self, coding_id: int) -> CodingRow:
        """Remove a coding; undo restores it exactly (id, created time, provenance, memo, reviews, GUIDs)."""
        before = get_coding(self.project, coding_id)
        state: dict[str, Any] = {}

        def apply() -> None:
            state["snapshot"] = remove_coding(self.project, coding_id)["snapshot"]

        self._run(
            Step(
                f"remove {before['code']}",
                apply,
                lambda: restore_coding(self.project, state["snapshot"]),
                state,
            )
        )
        return before

    def set_contribution(
        self, coding_id: int, contribution: str | None, claim: str | None, claim_polarity: str | None = None
    ) -> CodingRow:
        """Set (or with '' clear) a coding's contribution category and claim (a key or a text), with the coding's
        polarity on the claim (None: the default); undo puts back the category and every claim link as they were."""
        before = get_coding(self.project, coding_id)
        new: dict[str, Any] = {"contribution": contribution or "", "claim": claim or ""}
        if claim and claim_polarity:
            new["claim_polarity"] = claim_polarity
        links = [(c["claim"], c["polarity"]) for c in before["claims"]]

        def revert() -> None:
            update_coding(self.project, coding_id, contribution=before["contribution"] or "")
            set_coding_links(self.project, coding_id, links)

        self._run(
            Step(
                f"contribution {contribution or 'cleared'}",
                lambda: update_coding(self.project, coding_id, **new),
                revert,
            )
        )
        return get_coding(self.project, coding_id)

    def set_polarity(self, coding_id: int, polarity: str) -> CodingRow:
        """A coding's own polarity toward its code (supports, contradicts, mixed); undoable."""
        old = get_coding(self.project, coding_id)["polarity"]
        self._run(
            Step(
                f"polarity {polarity}",
                lambda: update_coding(self.project, coding_id, polarity=polarity),
                lambda: update_coding(self.project, coding_id, polarity=old),
            )
        )
        return get_coding(self.project, coding_id)

    def link_claims(self, coding_id: int, links: list[tuple[str, str]]) -> CodingRow:
        """Make the coding evidence for exactly these claims ((key, polarity)); undo restores the links."""
        old = [(c["claim"], c["polarity"]) for c in get_coding(self.project, coding_id)["claims"]]
        self._run(
            Step(
                "claim links",
                lambda: set_coding_links(self.project, coding_id, links),
                lambda: set_coding_links(self.project, coding_id, old),
            )
        )
        return get_coding(self.project, coding_id)

    def judge(
        self, target: str, rating: str, rationale: str, confidence: str | None = None
    ) -> dict[str, Any]:
        """Record a judgement on 'claim:KEY' or 'hls:CODE'; undo withdraws it, redo records it again."""
        state: dict[str, Any] = {}

        def apply() -> None:
            state["row"] = judge(self.project, target, rating, rationale, confidence)

        self._run(
            Step(
                f"judge {target}", apply, lambda: withdraw_judgement(self.project, state["row"]["id"]), state
            )
        )
        return state["row"]

    def memo(self, kind: str, target_id: int | None, text: str) -> None:
        """Write (or with empty text delete) this coder's memo on a target."""
        old = get_memo(self.project, kind, target_id, self.coder)
        if old == text.strip():
            return

        def put(value: str) -> Callable[[], None]:
            def run() -> None:
                if value or get_memo(self.project, kind, target_id, self.coder):
                    write_memo(self.project, kind, target_id, value, self.coder)

            return run

        self._run(Step(f"memo on {kind}", put(text), put(old)))

    def accept_suggestion(self, segment_id: int, code: str, provenance: dict[str, Any]) -> int:
        """Apply a suggested code with its provenance; undo removes the coding and forgets the acceptance."""
        state: dict[str, Any] = {}

        def apply() -> None:
            state["id"] = accept_code(self.project, segment_id, code, self.coder, provenance)

        def revert() -> None:
            with self.project.transaction():
                remove_coding(self.project, state["id"])
                withdraw_feedback(self.project, segment_id, code, self.coder)

        self._run(Step(f"accept {code}", apply, revert, state))
        return int(state["id"])

    def reject_suggestion(self, segment_id: int, code: str, provenance: dict[str, Any]) -> None:
        """Remember that this coder rejected a suggested code here; undo forgets the rejection."""
        self._run(
            Step(
                f"reject {code}",
                lambda: reject_code(self.project, segment_id, code, self.coder, provenance),
                lambda: withdraw_feedback(self.project, segment_id, code, self.coder),
            )
        )

    def decide_pending(self, row: dict[str, Any], decision: str) -> dict[str, Any]:
        """Accept or reject one pending suggestion from the auto-coding queue (`row` as listed by list_pending);
        undo takes the coding or the rejection back and puts the suggestion back in the queue, with its id."""
        state: dict[str, Any] = {}

        def apply() -> None:
            state["row"] = decide_pending(self.project, [row["id"]], decision, self.coder)[0]

        def revert() -> None:
            with self.project.transaction():
                if decision == "accepted":
                    remove_coding(self.project, state["row"]["coding_id"])
                withdraw_feedback(self.project, row["segment_id"], row["code"], self.coder)
                restore_pending(self.project, row)

        self._run(
            Step(
                f"{'accept' if decision == 'accepted' else 'reject'} {row['code']} (queue)",
                apply,
                revert,
                state,
            )
        )
        return dict(state["row"])

    # -- the outcome map ----------------------------------------------------------------------------------
    def map_add(self, kind: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Add an aim, partner, outcome or claim; undo deletes it, redo puts the very same item back."""
        state: dict[str, Any] = {}

        def apply() -> None:
            if "snapshot" in state:
                map_edit.restore(self.project, state.pop("snapshot"))
            else:
                state["item"] = map_edit.add(self.project, kind, fields)

        def revert() -> None:
            state["snapshot"] = map_edit.delete(self.project, kind, state["item"]["key"])

        apply()
        key = state["item"]["key"]
        self._push(Step(f"add {kind} {key}", apply, revert, state))
        return dict(state["item"])

    def map_set(self, kind: str, key: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Change an item's fields (and key); undo puts them back and withdraws a judgement the change recorded."""
        before = map_edit.item(self.project, kind, key)
        state: dict[str, Any] = {}

        def apply() -> None:
            state["after"] = map_edit.change(self.project, kind, before["key"], fields)

        def revert() -> None:
            with self.project.transaction():
                old = {k: v for k, v in before.items() if k not in ("rating", "confidence", "rationale")}
                map_edit.change(self.project, kind, state["after"]["key"], old)
                if state["after"].get("judgement"):
                    withdraw_judgement(self.project, state["after"]["judgement"])

        apply()
        self._push(Step(f"edit {kind} {state['after']['key']}", apply, revert, state))
        return dict(state["after"])

    def map_delete(self, kind: str, key: str) -> dict[str, Any]:
        """Delete an item and what goes with it; undo puts it all back (same ids), redo deletes it again."""
        state: dict[str, Any] = {}

        def apply() -> None:
            state["snapshot"] = map_edit.delete(self.project, kind, key)

        apply()
        self._push(
            Step(
                f"delete {kind} {key}",
                apply,
                lambda: map_edit.restore(self.project, state["snapshot"]),
                state,
            )
        )
        return dict(state["snapshot"])
