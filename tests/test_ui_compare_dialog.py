"""The compare dialog (`tui_nn.ui.screens.compare.CompareDialog`) on a bare app: a key chosen,
values typed and applied; a bad value shown and not applied; Off; escape; an 80x24 fit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support import SIZE, wait_for
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

import tui_nn.ui
from tui_nn.presets import load_named
from tui_nn.presets.compare_choices import with_compare
from tui_nn.spec import CompareSpec, Preset
from tui_nn.ui.screens.compare import CompareDialog

NOT_YET = object()  # what `Host.result` holds until the dialog dismisses


class Host(App[None]):
    """Shows the dialog on `preset` at once and keeps what it dismisses with."""

    CSS_PATH = Path(tui_nn.ui.__file__).with_name("app.tcss")

    def __init__(self, preset: Preset) -> None:
        super().__init__()
        self.preset = preset
        self.result: Any = NOT_YET

    def on_mount(self) -> None:
        self.push_screen(CompareDialog(self.preset), self._dismissed)

    def _dismissed(self, result: Preset | None) -> None:
        self.result = result


@pytest.fixture
def xor() -> Preset:
    return load_named("xor")  # adam, learning rate 0.05


def text_of(pilot: Pilot[Any], selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


async def shown(pilot: Pilot[Any]) -> CompareDialog:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CompareDialog), "the dialog")
    dialog = pilot.app.screen
    assert isinstance(dialog, CompareDialog)
    await wait_for(pilot, lambda: dialog.focused is not None, "a field focused")
    return dialog


async def type_values(pilot: Pilot[Any], text: str) -> None:
    field = pilot.app.screen.query_one("#compare-values", Input)
    field.focus()
    field.clear()
    await pilot.press(*text)
    await wait_for(pilot, lambda: field.value == text, f"{text!r} typed")


async def test_a_key_chosen_and_values_typed_apply_on_enter(xor):
    app = Host(xor)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await shown(pilot)
        field = dialog.query_one("#compare-values", Input)
        assert field.value == "sgd, rmsprop"  # the optimizer first, with suggestions
        assert text_of(pilot, "#compare-variants") == "trains 3: adam (this preset) · sgd · rmsprop"

        select = dialog.query_one("#compare-key", Select)
        select.focus()
        await pilot.press("enter")  # opens the list; learning rate is the next entry
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: select.value == "train.learning_rate", "learning rate")
        await wait_for(pilot, lambda: field.value == "0.5, 0.005", "the suggested rates")

        await type_values(pilot, "0.5,0.01")
        line = "trains 3: 0.05 (this preset) · 0.5 · 0.01"
        await wait_for(pilot, lambda: text_of(pilot, "#compare-variants") == line, line)
        assert not dialog.query_one("#compare-error").display
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.result is not NOT_YET, "dismissed")
    assert isinstance(app.result, Preset)
    assert app.result.compare == CompareSpec("train.learning_rate", [0.5, 0.01])
    assert all(isinstance(v, float) for v in app.result.compare.values)
    assert app.result.train == xor.train


async def test_a_bad_value_shows_the_problem_and_apply_does_not_dismiss(xor):
    app = Host(xor)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await shown(pilot)
        error = dialog.query_one("#compare-error", Static)
        await type_values(pilot, "sgd,sgdd")
        await wait_for(pilot, lambda: error.display, "the error shown")
        assert "unknown optimizer 'sgdd'" in text_of(pilot, "#compare-error")
        await pilot.click("#compare-apply")
        await pilot.pause()
        assert app.screen is dialog and app.result is NOT_YET

        await type_values(pilot, "adam")  # the preset's own
        own = "the preset's own value"
        await wait_for(pilot, lambda: own in text_of(pilot, "#compare-error"), own)
        await type_values(pilot, "sgd")
        await wait_for(pilot, lambda: not error.display, "the error gone")
        await pilot.click("#compare-apply")
        await wait_for(pilot, lambda: app.result is not NOT_YET, "dismissed")
    assert app.result.compare == CompareSpec("train.optimizer", ["sgd"])


async def test_a_comparison_shows_its_values_and_off_clears_it(xor):
    compared = with_compare(xor, "model.layers.0.units", [8, 16])
    app = Host(compared)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await shown(pilot)
        assert dialog.query_one("#compare-key", Select).value == "model.layers.0.units"
        assert dialog.query_one("#compare-values", Input).value == "8, 16"
        assert text_of(pilot, "#compare-variants") == "trains 3: 4 (this preset) · 8 · 16"
        await pilot.click("#compare-off")
        await wait_for(pilot, lambda: app.result is not NOT_YET, "dismissed")
    assert isinstance(app.result, Preset)
    assert app.result.compare is None
    assert app.result.model == xor.model


@pytest.mark.parametrize("how", ["escape", "#compare-cancel"])
async def test_escape_and_cancel_dismiss_with_none(xor, how):
    app = Host(xor)
    async with app.run_test(size=SIZE) as pilot:
        await shown(pilot)
        await type_values(pilot, "sgd")
        if how == "escape":
            await pilot.press("escape")
        else:
            await pilot.click(how)
        await wait_for(pilot, lambda: app.result is not NOT_YET, f"dismissed by {how}")
    assert app.result is None


async def test_it_fits_80_by_24_with_an_error_shown(xor):
    app = Host(xor)
    async with app.run_test(size=SIZE) as pilot:
        dialog = await shown(pilot)
        await type_values(pilot, "sgd,sgdd")
        await wait_for(pilot, lambda: dialog.query_one("#compare-error").display, "the error")
        screen = dialog.region
        for selector in ("#compare-key", "#compare-values", "#compare-error", "#compare-cancel"):
            region = dialog.query_one(selector).region
            assert region.height >= 1 and screen.contains_region(region), selector
