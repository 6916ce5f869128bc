"""The outcome map screen shows partners, outcomes and claims with their evidence counts."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Tree

from qualcode.store.project import Project
from qualcode.tui.screens.outcome_map import OutcomeMapScreen
from tests.claim_study import build_claim_study


async def test_map_screen_lists_partners_outcomes_and_claims(tmp_path):
    path = tmp_path / "c.qcdb"
    build_claim_study(path)
    with Project.open(path) as project:

        class Host(App[None]):
            def on_mount(self) -> None:
                self.push_screen(OutcomeMapScreen(project))

        async with Host().run_test() as pilot:
            await pilot.pause()
            tree = pilot.app.screen.query_one("#map", Tree)
            [partner, loose] = tree.root.children
            assert str(partner.label) == "Frontline practitioners (direct)"
            [outcome] = partner.children
            [claim] = outcome.children
            # c.ref: 3 codings support, 1 contradicts, 1 mixed (links, not cases); not judged yet.
            assert (
                str(claim.label) == "Faster referrals to housing  3 for · 1 against · 1 mixed  (not judged)"
            )
            assert claim.data == "c.ref"
            assert str(loose.label) == "Claims about an aim, or not tied to an outcome"
