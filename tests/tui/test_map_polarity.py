"""The outcome map is reachable (O) with evidence counts; the contribution dialog links a coding to a claim object
with a polarity, undoably."""

from __future__ import annotations

from textual.widgets import RadioSet, Tree

from qualcode.tui.app import QualcodeApp
from tests.tui.helpers import SIZE, rows

from .keys import covers

LINKS = (
    "SELECT c.key, e.polarity FROM claim_evidence e JOIN claims c ON c.id = e.claim_id"
    " JOIN codings k ON k.id = e.coding_id WHERE k.coder = 'zoe'"
)
REFERRALS = (
    "SELECT count(*) AS n FROM claim_evidence e JOIN claims c ON c.id = e.claim_id"
    " WHERE c.key = 'c.referrals' AND e.polarity = 'contradicts'"
)


@covers("O")
async def test_outcome_map_opens_with_partners_outcomes_and_claims(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("O")
        await pilot.pause()
        assert type(app.screen).__name__ == "OutcomeMapScreen"
        tree = app.screen.query_one("#map", Tree)
        [aims, partners] = tree.root.children
        assert str(partners.children[0].label) == "Frontline practitioners and volunteers (direct)"
        claims = [c for p in partners.children for o in p.children for c in o.children if c.data]
        referrals = next(c for c in claims if c.data["key"] == "c.referrals")
        assert "Practitioners make quicker and warmer referrals" in str(referrals.label)
        # the demo: codings of six distinct cases support it, two cases contradict it
        assert "c.referrals  6 for · 2 against" in str(referrals.label)
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"


async def test_contribution_links_a_claim_object_with_a_polarity_and_undo_takes_it_back(demo_location):
    before = rows(demo_location, REFERRALS)[0]["n"]
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "c", *"joint", "enter")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        listing = app.screen.query_one("#claim-list")
        assert any(
            "c.referrals" in str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)
        )
        app.screen.query_one("#polarity", RadioSet).query("RadioButton")[1].value = True  # contradicts
        await pilot.press("tab", *"warmer", "down", "enter")  # the claim object, picked from the list; saves
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"
        assert rows(demo_location, LINKS) == [{"key": "c.referrals", "polarity": "contradicts"}]
        assert rows(demo_location, REFERRALS)[0]["n"] == before + 1
        await pilot.press("u")
        await pilot.pause()
        assert rows(demo_location, LINKS) == [] and rows(demo_location, REFERRALS)[0]["n"] == before
        await pilot.press("U")
        await pilot.pause()
        assert rows(demo_location, LINKS) == [{"key": "c.referrals", "polarity": "contradicts"}]
