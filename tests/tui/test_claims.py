"""The contribution dialog (e): Tab completes a claim, a claim can be picked from a list, fast typing loses
no key (the contribution table groups evidence by claim text, so one lost letter splits a claim)."""

from __future__ import annotations

from qualcode.tui.app import QualcodeApp
from tests.tui.helpers import SIZE, current_segment, rows, type_fast, until

from .keys import covers

CLAIM = "Practitioners make quicker and warmer referrals between services"


async def code_here(pilot, key: str) -> None:
    await pilot.press("c", *key, "enter")
    await pilot.pause()


@covers("e")
async def test_tab_completes_an_existing_claim(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")
        await code_here(pilot, "joint")
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("down", "down", "enter", "tab", *"pract", "tab", "enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"
    assert rows(demo_location, "SELECT contribution, claim FROM codings WHERE coder = 'zoe'") == [
        {"contribution": "necessary", "claim": CLAIM}
    ]


async def test_an_existing_claim_is_picked_from_the_list(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j")
        await code_here(pilot, "joint")
        await pilot.press("e")
        await pilot.pause()
        await pilot.press("tab", *"warmer", "down")  # the list now holds only the claims containing "warmer"
        await pilot.pause()
        listing = app.screen.query_one("#claim-list")
        assert listing.option_count == 1 and listing.has_focus
        await pilot.press("enter")  # take it as written, and save
        await pilot.pause()
        assert type(app.screen).__name__ == "Workbench"
    assert rows(demo_location, "SELECT claim FROM codings WHERE coder = 'zoe'") == [{"claim": CLAIM}]


async def test_twelve_claims_typed_at_ten_ms_a_key_lose_nothing(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    typed: dict[int, str] = {}
    async with app.run_test(size=SIZE) as pilot:
        for n in range(12):
            await pilot.press("n")
            await code_here(pilot, "joint")
            seg = current_segment(app)
            claim = f"Human claim {n + 1}"
            # press e, then tab to the claim box and type, without waiting for the dialog to open
            await type_fast(app, ["e", "tab", *claim, "enter"])
            closed = await until(pilot, lambda: type(app.screen).__name__ == "Workbench")
            assert closed, f"dialog still open after claim {n + 1}"
            typed[seg["id"]] = claim
    got = {
        r["segment_id"]: r["claim"]
        for r in rows(demo_location, "SELECT segment_id, claim FROM codings WHERE coder = 'zoe'")
    }
    assert got == typed


async def test_tab_right_after_fast_typing_completes_what_was_typed(demo_location):
    app = QualcodeApp(demo_location, coder="zoe")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await code_here(pilot, "joint")
        await type_fast(app, ["e", "tab", *"pract", "tab", "enter"])
        assert await until(pilot, lambda: type(app.screen).__name__ == "Workbench")
    assert rows(demo_location, "SELECT claim FROM codings WHERE coder = 'zoe'") == [{"claim": CLAIM}]
