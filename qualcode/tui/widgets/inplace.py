"""An OptionList that can redraw one option without re-measuring all the others."""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList


class InPlaceOptionList(OptionList):
    """OptionList.replace_option_prompt_at_index clears every cache and re-measures every option: with a
    thousand documents, or a page of long turns, that costs tens of milliseconds per coding. When the new
    prompt has the same height, only that option's rendering needs to be dropped.
    """

    def replace_prompt_in_place(self, index: int, prompt: Any) -> None:
        # This reaches into OptionList's caches (Textual 8); if they are not as expected, use the public path.
        try:
            option = self.get_option_at_index(index)
            old_height = self._line_cache.heights[index]
            padding = self.get_component_styles("option-list--option").padding
            width = self.scrollable_content_region.width - self._get_left_gutter_width() - padding.width
            if width <= 0:  # a folded-away panel has no width to measure in: re-measure when it is shown
                self.replace_option_prompt_at_index(index, prompt)
                return
            option._set_prompt(prompt)
            # Textual's stub asks for RulesMap; OptionList itself passes its RenderStyles here.
            new_height = self._get_visual(option).get_height(self.styles, width) + option._divider  # type: ignore[arg-type]
            if new_height != old_height:
                self._clear_caches()
                return
            for key in [k for k in self._option_render_cache.keys() if k[0] is option]:  # noqa: SIM118 (LRUCache)
                self._option_render_cache.discard(key)
            self.refresh()
        except (AttributeError, KeyError, TypeError):
            self.replace_option_prompt_at_index(index, prompt)
