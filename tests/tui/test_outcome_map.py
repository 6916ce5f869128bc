"""The outcome map screen shows aims, partners, outcomes and claims with their evidence counts (distinct cases)."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Tree

from qualcode.app.session import CodingSession
from qualcode.store.project import Project
from qualcode.tui.screens.outcome_map import OutcomeMapScreen
from tests.claim_study import build_claim_study


async def test_map_screen_lists_aims_partners_outcomes_and_claims(new_location, tmp_path):
    path = new_location("c")
    build_claim_study(path)
    with Project.open(path) as project:

        class Host(App[None]):
            def on_mount(self) -> None:
                self.push_screen(OutcomeMapScreen(CodingSession(project)))

        async with Host().run_test() as pilot:
            await pilot.pause()
            tree = pilot.app.screen.query_one("#map", Tree)
            [aims, partners] = tree.root.children
            [aim] = aims.children
            # aim.voice: c.conf is about it (I1) and out.ref serves it (c.ref): 4 cases for, 2 against.
            assert str(aim.label) == "aim.voice  4 for · 2 against  People supported shape services"
            assert [str(c.label) for c in aim.children] == [
                "c.conf  1 for · 0 against  Practitioners feel more confident  (not judged)"
            ]
            [partner] = partners.children
            assert str(partner.label) == "Frontline practitioners (direct)"
            [outcome] = partner.children
            assert str(outcome.label) == "out.ref  4 for · 2 against  Faster referrals"
            [claim] = outcome.children
            # c.ref: I1, F1, R1 support and F2 is mixed -> 4 cases for; I2 contradicts and F2 -> 2 against.
            assert str(claim.label) == "c.ref  4 for · 2 against  Faster referrals to housing  (not judged)"
            assert (claim.data["kind"], claim.data["key"]) == ("claim", "c.ref")
