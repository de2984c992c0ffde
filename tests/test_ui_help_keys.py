"""Every key the help screen (F1) lists, pressed from every sidebar tab (the app's keys) and
from every lesson view (the lesson's keys), must act: a command to the trainer, a screen or
dialog, a tab or view shown, the plots' scale or ASCII mode changed. Where a key has nothing to
do by design it must say so (a notification or the status line), never do nothing silently.

The rows come from the help screen's own sections (`TuiNnApp.action_help`), so a new key gets a
row, and fails until it has a check here. Each walk is one app that presses its keys in turn,
back to a known state between keys; each row reads its outcome from its walk."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from lesson_support import logic_loaded, logic_snapshot
from support import SIZE, FakeTrainer, status_text, wait_for
from textual.binding import Binding, BindingType
from textual.pilot import Pilot
from textual.widgets import Input, TabbedContent, Tabs

from tui_nn.presets import preset_from_dict
from tui_nn.presets.compare_choices import add_variant
from tui_nn.spec import Preset
from tui_nn.trainer import protocol as p
from tui_nn.ui.app import TuiNnApp
from tui_nn.ui.lesson.backprop import BackpropView
from tui_nn.ui.lesson.code import CodeScreen
from tui_nn.ui.lesson.map import MapView
from tui_nn.ui.lesson.network import NetView
from tui_nn.ui.lesson.pane import LessonPane
from tui_nn.ui.lesson.rule import RuleView
from tui_nn.ui.lesson.table import TableView
from tui_nn.ui.panes.network import NetworkPane
from tui_nn.ui.panes.plots import PlotsPane
from tui_nn.ui.screens.compare import CompareDialog
from tui_nn.ui.screens.dialogs import ConfirmDialog, OpenDialog, QuitDialog, SaveDialog
from tui_nn.ui.screens.help import HelpScreen
from tui_nn.ui.screens.runs import RunsScreen

ACT_S = 3.0  # an effect that the app or the scripted trainer makes at once
POLL_S = 0.005  # how often a walk looks again
ROUNDS = 2  # settling rounds: the messages that the first round's messages sent

# -- the rows: from the help screen's sections ----------------------------------------------


def help_sections() -> list[tuple[str, list[BindingType]]]:
    """The sections F1 shows, taken from `action_help` itself (without running the app)."""
    app = TuiNnApp(trainer_factory=None)
    app.push_screen = lambda *args, **kwargs: None  # type: ignore[method-assign,assignment,return-value]
    app.action_help()
    return [(title, list(items)) for title, items in app.get_screen("help", HelpScreen).sections]


def help_rows(sections: list[tuple[str, list[BindingType]]]) -> list[tuple[str, str, str]]:
    """(section, key, action) for every key of every binding, as F1 lists them."""
    rows = []
    for title, items in sections:
        for item in items:
            key, action = (item.key, item.action) if isinstance(item, Binding) else item[:2]
            rows += [(title, one.strip(), action) for one in key.split(",")]
    return rows


TABS = ("presets", "network", "training", "lesson")
VIEWS = ("table", "rule", "map", "net", "backprop")  # the lesson views that have keys
WHERE = {  # each help section: where its keys are pressed
    "Keys": TABS,
    "Network tab": ("network",),
    "Lesson tab": tuple(f"view:{view}" for view in VIEWS),
    "Lesson: Network view": ("view:net",),
    "Lesson: Backprop view": ("view:backprop",),
    "Dialogs": ("dialog",),
}
SECTIONS = help_sections()
# (key, where, action, section); a view's own binding of a key (the Backprop view's `s`) is
# what that key does there, in place of the lesson tab's
# A key that no widget takes as text (ctrl+, alt+, a function key) reaches the app alike from
# every tab: it is pressed from one, with a text field focused; the others from every tab.
PASSED_THROUGH = ("ctrl+", "alt+", "f1", "f5", "f8")


def wheres(title: str, key: str) -> tuple[str, ...]:
    if title == "Keys" and key.startswith(PASSED_THROUGH):
        return ("training",)
    return WHERE.get(title, (f"unknown section {title!r}",))


ROWS = list(
    {
        (key, where): (key, where, action, title)
        for title, key, action in help_rows(SECTIONS)
        for where in wheres(title, key)
    }.values()
)

# Keys that do nothing by convention where there is nothing for them (no bug): the reason.
NOTHING_TO_DO = {("escape", "presets"): "the Presets tab has no text field to leave"} | {
    ("escape", f"view:{view}"): "the view has no typed weights to drop, nor a field"
    for view in ("rule", "map", "net", "backprop")
}
# Keys found not to act (bugs for the app's owners): the bug, so that a fix turns them green.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def params() -> list[Any]:
    out = []
    for key, where, action, _ in ROWS:
        marks = []
        if (key, where) in KNOWN_BUGS:
            marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[key, where]))
        out.append(pytest.param(key, where, action, id=f"{where}-{key}", marks=marks))
    return out


# -- the scripted trainer and one walk's state ---------------------------------------------


class KeysFake(FakeTrainer):
    """The app's fake trainer with a logic gate's `Loaded` (the lesson views shown) that also
    answers a single step (`t`) as the real trainer does: running, then paused."""

    preset_layers: list[tuple[list[list[float]], list[float], str]] = []

    def _do_load(self, command: p.Load) -> None:
        preset = preset_from_dict(command.preset)
        inputs, self.preset_layers = 2, []
        for layer in preset.model.layers:  # small weights of the preset's shape
            rows = [[0.5 - 0.25 * ((i + j) % 3) for j in range(inputs)] for i in range(layer.units)]
            self.preset_layers.append((rows, [0.1] * layer.units, layer.activation))
            inputs = layer.units
        self.epoch = 0
        self.lr = command.preset["train"]["learning_rate"]
        self.emit(logic_loaded(preset_from_dict(command.preset)))
        self._state("idle")

    def _do_step(self, command: p.TrainStep) -> None:
        self._do_epoch(p.TrainEpoch())

    def _do_views(self, command: p.SetViews) -> None:
        """The lesson views' snapshot, as the trainer sends it once they are on: the weights
        that the Network view draws (and its keys then act on)."""
        if command.enabled and self.preset_layers:
            self.emit(logic_snapshot(self.preset_layers, loss="mse", kind="sigmoid"))


@dataclass
class Walk:
    pilot: Pilot[Any]
    app: TuiNnApp
    fake: KeysFake
    where: str = ""
    said: list[str] = field(default_factory=list)  # notifications since the key was pressed

    async def until(self, predicate: Callable[[], object], what: str, timeout: float = ACT_S):
        """`support.wait_for` without its pause per look: the app runs between looks anyway,
        and a walk waits on some five hundred conditions."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                await wait_for(self.pilot, predicate, what, 0)  # its message, with the status
            await asyncio.sleep(POLL_S)

    async def settle(self) -> None:
        """Every message queued on the app and its screen's widgets handled, twice over (for
        the messages those sent): `Pilot.pause` without its wait for an idle CPU (~0.2 s)."""
        for _ in range(ROUNDS):
            await _drained([self.app, *self.app.screen.walk_children(with_self=True)])

    async def press(self, key: str) -> None:
        """The key as the terminal would send it, without waiting for the app to be idle: each
        check waits for the key's own effect (`pilot.press` waits ~0.2 s a key here)."""
        self.app.simulate_key(key)

    async def type(self, *keys: str) -> None:
        """Keys typed into a text field (with their characters, which `press` leaves out)."""
        await self.pilot.press(*keys)

    def last(self) -> p.Command | None:
        return self.fake.commands[-1] if self.fake.commands else None

    @property
    def sidebar(self) -> TabbedContent:
        return self.app.query_one("#sidebar", TabbedContent)

    @property
    def lesson(self) -> LessonPane:
        return self.app.query_one(LessonPane)

    async def says_so(self, key: str) -> None:
        """`key` has nothing to do here: once the app has handled it (`pilot.press` waits for
        that), a notification or a new status line must say so (both come from the handler)."""
        before = status_text(self.app)
        await self.pilot.press(key)
        assert self.said or status_text(self.app) != before, (
            f"neither a notification nor a status message after {key!r} in {self.where}"
        )

    async def paced(self, steps_per_s: float | None) -> None:
        """The trainer's answer to a pace has come back: a later `State` carrying an older pace
        would set the app's pace back (every check waits for it, so no two are in flight)."""
        link = self.app.link
        await self.until(lambda: link.state is not None and link.state.pace == steps_per_s, "pace")

    async def pace(self, steps_per_s: float | None) -> None:
        self.app.pace.set(steps_per_s)
        await self.paced(steps_per_s)

    async def train(self) -> None:
        self.app.action_toggle_run()
        await self.until(lambda: self.app.link.status == "running", "training")

    async def ended(self) -> None:
        """The run is DONE (its stop rule met), as the trainer says it."""
        fake = self.fake
        fake.emit(p.State(status="done", epoch=fake.epoch, step=fake.epoch, lr=fake.lr))
        await self.until(lambda: self.app.link.status == "done", "DONE")

    async def home(self) -> None:
        """Back to the known state of `where`: no dialog, not training, full speed, linear
        plots, no ASCII, the tab (or lesson view) shown with the focus where a user finds it."""
        app = self.app
        await self.settle()  # what the key before still had under way, done
        while app.screen.is_modal:
            app.pop_screen()
        if app.link.training or app.link.status == "done":
            app.link.send(p.Reset())
            await self.until(lambda: app.link.status == "idle", "idle again")
        if app.pace.steps_per_s is not None:
            await self.pace(None)
        if app.query_one(PlotsPane).log_scale:
            app.query_one(PlotsPane).set_log_scale(False)
        app.ascii_mode = False
        tab = {"dialog": "training"}.get(self.where, self.where)
        tab = "lesson" if tab.startswith("view:") else tab
        if self.sidebar.active != f"tab-{tab}":
            self.sidebar.active = f"tab-{tab}"
        await self.until(lambda: self.sidebar.active == f"tab-{tab}", f"the {tab} tab")
        if self.where.startswith("view:"):
            tabs = self.lesson.query_one("#lesson-tabs", TabbedContent)
            if tabs.active != f"lesson-{self.where[5:]}":
                tabs.active = f"lesson-{self.where[5:]}"
            await self.until(lambda: self.lesson.active_view == tabs.active, self.where)
            view = {"net": NetView, "backprop": BackpropView}.get(self.where[5:])
            target = app.query_one(view) if view else tabs.query_one(Tabs)
        elif tab == "lesson":
            target = self.lesson.query_one("#lesson-tabs").query_one(Tabs)
        else:
            pane = app.query_one(f"#tab-{tab}")
            target = next(w for w in pane.query("*") if w.focusable)
        if app.focused is not target:
            target.focus()
        await self.until(lambda: app.focused is target, f"the focus in {self.where}")
        self.said.clear()


async def _drained(nodes: list[Any]) -> None:
    """Each node has handled what was queued on it before this call."""
    done, left = asyncio.Event(), 0

    def one() -> None:
        nonlocal left
        left -= 1
        if left == 0:
            done.set()

    for node in nodes:
        left += 1 if node.call_later(one) else 0
    if left:
        await asyncio.wait_for(done.wait(), ACT_S)


Check = Callable[[Walk, str], Awaitable[None]]
CHECKS: dict[str, Check] = {}


def check(*actions: str) -> Callable[[Check], Check]:
    def register(function: Check) -> Check:
        for action in actions:
            CHECKS[action] = function
        return function

    return register


# -- the app's keys ---------------------------------------------------------------------------


@check("space_run", "toggle_run")
async def _run(w: Walk, key: str) -> None:
    await w.press(key)
    await w.until(lambda: w.last() == p.Start() and w.app.link.training, "a start")
    await w.press(key)
    await w.until(lambda: w.last() == p.Pause() and w.app.link.status == "paused", "a pause")


@check("one_epoch")
async def _epoch(w: Walk, key: str) -> None:
    await w.press(key)
    await w.until(lambda: w.last() == p.TrainEpoch() and w.app.link.status == "paused", "epoch")
    await w.ended()
    await w.press(key)  # after DONE: one more epoch
    await w.until(lambda: w.last() == p.TrainEpoch() and w.app.link.status == "paused", "more")


@check("one_step")
async def _step(w: Walk, key: str) -> None:
    await w.press(key)
    await w.until(lambda: w.last() == p.TrainStep() and w.app.link.status == "paused", "a step")


@check("slower")
async def _slower(w: Walk, key: str) -> None:
    await w.press(key)
    await w.until(lambda: w.last() == p.SetPace(100.0), "a slower pace")
    await w.until(lambda: "pace 100/s" in status_text(w.app), "the pace shown")
    await w.paced(100.0)


@check("faster")
async def _faster(w: Walk, key: str) -> None:
    await w.pace(10.0)
    await w.press(key)
    await w.until(lambda: w.last() == p.SetPace(30.0), "a faster pace")
    await w.until(lambda: "pace 30/s" in status_text(w.app), "the pace shown")
    await w.paced(30.0)


@check("reset")
async def _reset(w: Walk, key: str) -> None:
    await w.press(key)
    await w.until(lambda: w.last() == p.Reset() and w.app.link.status == "idle", "a reset")


@check("log_scale")
async def _log(w: Walk, key: str) -> None:
    plots = w.app.query_one(PlotsPane)
    await w.press(key)
    await w.until(lambda: plots.log_scale, "the log scale")


@check("ascii")
async def _ascii(w: Walk, key: str) -> None:
    await w.press(key)
    await w.until(lambda: w.app.ascii_mode, "ASCII mode")


@check("lesson")
async def _lesson(w: Walk, key: str) -> None:
    before = w.sidebar.active
    await w.press(key)
    if before == "tab-lesson":  # back to the tab before (none here: Presets)
        await w.until(lambda: w.sidebar.active == "tab-presets", "the lesson hidden")
    else:
        await w.until(lambda: w.sidebar.active == "tab-lesson", "the lesson shown")


def _opens(screen: type[Any], close: str = "escape") -> Check:
    async def opens(w: Walk, key: str) -> None:
        await w.press(key)
        await w.until(lambda: isinstance(w.app.screen, screen), screen.__name__)
        if screen is HelpScreen:  # it lists what these rows were made from
            assert help_rows(w.app.screen.sections) == help_rows(SECTIONS)
        await w.press(close)
        await w.until(lambda: not w.app.screen.is_modal, f"{screen.__name__} closed")

    return opens


CHECKS |= {
    "code": _opens(CodeScreen),
    "save": _opens(SaveDialog),
    "open": _opens(OpenDialog),
    "runs": _opens(RunsScreen),
    "help": _opens(HelpScreen),
}


async def _tab(w: Walk, key: str, tab: str) -> None:
    w.app.screen.set_focus(None)  # so that the same tab shows the key's effect too
    await w.press(key)
    pane = w.app.query_one(f"#tab-{tab}")
    await w.until(lambda: w.sidebar.active == f"tab-{tab}", f"the {tab} tab")
    await w.until(lambda: w.app.focused in pane.query("*"), f"the focus in {tab}")


for _name in TABS:
    CHECKS[f"tab('{_name}')"] = lambda w, key, tab=_name: _tab(w, key, tab)


@check("leave_field")
async def _leave(w: Walk, key: str) -> None:
    tab = w.app.query_one(f"#tab-{w.where}")

    def first_field() -> Input | None:
        return next((f for f in tab.query(Input) if f.display), None)

    text = first_field()
    if text is None:
        pytest.skip(NOTHING_TO_DO[key, w.where])
    committed = text.value
    text.focus()
    await w.until(lambda: text.has_focus, "a text field")
    await w.type("end", "9")
    assert text.value == committed + "9"
    await w.press(key)
    await w.until(lambda: not isinstance(w.app.focused, Input), "out of the field")
    await w.until(  # the field again: the Network tab's rows are new ones
        lambda: (again := first_field()) is not None and again.value == committed,
        "the change dropped",
    )


@check("quit")
async def _quit(w: Walk, key: str) -> None:
    await w.train()  # idle, it would quit; training, it asks first
    await w.press(key)
    await w.until(lambda: isinstance(w.app.screen, QuitDialog), "the quit question")
    await w.press("escape")
    await w.until(lambda: not w.app.screen.is_modal, "the question closed")
    assert w.app.is_running and w.app.link.training


# -- the Network tab's keys -----------------------------------------------------------------


def _layers(w: Walk) -> list[tuple[str, str]]:
    return [(s.units_text, s.activation) for s in w.app.query_one(NetworkPane).layer_states]


def _edits_layers(select: int, change: Callable[[list[Any]], list[Any]]) -> Check:
    async def edits(w: Walk, key: str) -> None:
        pane = w.app.query_one(NetworkPane)
        original = w.app.editor.committed
        before = _layers(w)
        pane.selected = select
        await w.press(key)
        await w.until(lambda: _layers(w) == change(before), f"the layers {change(before)}")
        await w.until(lambda: w.last() is not None and w.last().NAME == "load", "a reload")
        await w.pilot.pause()  # the rows rebuilt
        await w.app.editor.show(original)  # back to the preset's own layers
        w.app.editor.load(original)
        await w.until(lambda: _layers(w) == before and w.app.link.status == "idle", "reloaded")

    return edits


CHECKS |= {
    "add_layer": _edits_layers(0, lambda ls: [ls[0], ("4", ls[0][1]), *ls[1:]]),
    "remove_layer": _edits_layers(0, lambda ls: ls[1:]),
    "move_up": _edits_layers(1, lambda ls: [ls[1], ls[0], *ls[2:]]),
    "move_down": _edits_layers(0, lambda ls: [ls[1], ls[0], *ls[2:]]),
}

# -- comparing variants ----------------------------------------------------------------------


def _compared(w: Walk) -> int | None:
    """How many values the last Load compares besides the preset's own (None: no Load; the
    lesson views' SetViews may follow it)."""
    loads = [command for command in w.fake.commands if isinstance(command, p.Load)]
    if not loads:
        return None
    return len(loads[-1].preset.get("compare", {}).get("values", []))


async def _back_to(w: Walk, original: Preset) -> None:
    w.app.editor.load(original)
    await w.until(lambda: _compared(w) == 0 and w.app.link.status == "idle", "reloaded")


@check("add_variant")
async def _adds_variant(w: Walk, key: str) -> None:
    original = w.app.editor.committed
    await w.press(key)
    await w.until(lambda: _compared(w) == 1, "a comparison of two networks loaded")
    await w.press(key)
    await w.until(lambda: _compared(w) == 2, "a third network")
    await _back_to(w, original)


@check("drop_variant")
async def _drops_variant(w: Walk, key: str) -> None:
    await w.says_so(key)  # nothing compared: nothing to drop
    original = w.app.editor.committed
    w.app.editor.load(add_variant(add_variant(original)))
    await w.until(lambda: _compared(w) == 2, "a comparison of three networks")
    await w.press(key)
    await w.until(lambda: _compared(w) == 1, "one network fewer")
    await _back_to(w, original)


CHECKS["compare"] = _opens(CompareDialog)

# -- the reset question's keys --------------------------------------------------------------


def _answers(yes: bool) -> Check:
    async def answers(w: Walk, key: str) -> None:
        await w.train()
        await w.press("r")
        await w.until(lambda: isinstance(w.app.screen, ConfirmDialog), "the reset question")
        await w.press(key)
        await w.until(lambda: not w.app.screen.is_modal, "the question answered")
        if yes:
            await w.until(lambda: w.last() == p.Reset(), "a reset")
        else:
            assert w.last() == p.Start() and w.app.link.training

    return answers


CHECKS |= {"answer(True)": _answers(True), "answer(False)": _answers(False)}

# -- the lesson's keys, on each view ------------------------------------------------------------


def _lesson_key(applies: str, act: Check) -> Check:
    """A lesson key: `act` on the view `applies`, elsewhere it must say it has nothing to do
    (or do what that view's own key does)."""

    async def lesson_key(w: Walk, key: str) -> None:
        view = w.where[5:]
        if view == applies:
            await act(w, key)
        elif (key, w.where) in NOTHING_TO_DO:
            pytest.skip(NOTHING_TO_DO[key, w.where])
        elif key == "s" and view == "backprop":  # the view's own `s`: a step on its sample
            await w.press(key)
            await w.until(lambda: isinstance(w.last(), p.BackpropStep), "a backprop step")
        else:
            await w.says_so(key)

    return lesson_key


async def _rule_step(w: Walk, key: str) -> None:
    rule = w.app.query_one(RuleView)
    await w.press(key)
    await w.until(lambda: rule.position == 1, "one sample of the rule")


async def _rule_epoch(w: Walk, key: str) -> None:
    rule = w.app.query_one(RuleView)
    epoch = [s for s in rule.steps if s.epoch == rule.steps[0].epoch]
    await w.press(key)
    await w.until(lambda: rule.position == len(epoch), "the rest of the epoch")


async def _rewind(w: Walk, key: str) -> None:
    rule = w.app.query_one(RuleView)
    rule.step()
    await w.press(key)
    await w.until(lambda: rule.position == 0, "the initial weights")


async def _revert(w: Walk, key: str) -> None:
    table = w.app.query_one(TableView)
    weight = table.query(Input).first()
    weight.focus()
    await w.until(lambda: weight.has_focus, "a weight field")
    await w.type("end", "9")
    await w.until(lambda: table.dirty, "a typed weight")
    await w.press(key)
    await w.until(lambda: not table.dirty, "the trainer's weights again")


async def _points(w: Walk, key: str) -> None:
    shown = w.app.query_one(MapView)
    await w.press(key)
    await w.until(lambda: not shown.show_points, "the points hidden")
    shown.toggle_points()


def _sample(delta: int) -> Check:
    """A view's own sample keys: another training sample, and (Backprop) its backprop asked."""

    async def sample(w: Walk, key: str) -> None:
        view = w.app.query_one(NetView if w.where == "view:net" else BackpropView)
        n = view.n_samples
        wanted = (view.sample + delta) % n
        await w.press(key)
        await w.until(lambda: view.sample == wanted, f"sample {wanted}")
        if w.where == "view:backprop":
            await w.until(lambda: w.last() == p.WatchBackprop(wanted), "its backprop asked")

    return sample


async def _step_sample(w: Walk, key: str) -> None:
    await w.press(key)
    await w.until(lambda: isinstance(w.last(), p.BackpropStep), "a step on the sample")


async def _gradient_check(w: Walk, key: str) -> None:
    view = w.app.query_one(BackpropView)
    await w.press(key)
    await w.until(lambda: w.last() == p.WatchBackprop(view.sample, check=True), "the check")
    await w.press(key)
    await w.until(lambda: w.last() == p.WatchBackprop(view.sample, check=False), "check off")


async def _deltas(w: Walk, key: str) -> None:
    view = w.app.query_one(NetView)
    await w.press(key)
    await w.until(lambda: w.last() == p.WatchBackprop(view.sample), "the deltas asked")
    await w.press(key)
    await w.until(lambda: w.last() == p.WatchBackprop(None), "the deltas off")


def _next_view(delta: int) -> Check:
    async def next_view(w: Walk, key: str) -> None:
        pane = w.lesson
        assert pane.data is not None
        views = pane.data.views()
        wanted = views[(views.index(pane.active_view) + delta) % len(views)]
        await w.press(key)
        await w.until(lambda: pane.active_view == wanted, wanted)

    return next_view


CHECKS |= {
    "sample(1)": _sample(1),
    "sample(-1)": _sample(-1),
    "step_sample": _step_sample,
    "gradient_check": _gradient_check,
    "deltas": _deltas,
    "step": _lesson_key("rule", _rule_step),
    "rule_epoch": _lesson_key("rule", _rule_epoch),
    "rewind": _lesson_key("rule", _rewind),
    "revert": _lesson_key("table", _revert),
    "points": _lesson_key("map", _points),
    "next_view(1)": _next_view(1),
    "next_view(-1)": _next_view(-1),
}

# -- the walks: one app each ------------------------------------------------------------------

# walk: (preset, its wheres in order); the Network tab's edits before any run exists
WALKS = {
    "presets": ("xor", ("presets",)),
    "network": ("xor", ("network",)),
    "training": ("xor", ("training", "dialog")),
    "lesson": ("xor", ("view:table", "view:map", "view:net", "view:backprop", "lesson")),
    "rule": ("nand", ("view:rule",)),
}
WALK_OF = {where: name for name, (_, wheres) in WALKS.items() for where in wheres}
SECTION_ORDER = {"network": ("Network tab", "Keys")}


@dataclass
class Outcome:
    problem: str | None = None  # what went wrong; None: the key acted
    skipped: str | None = None
    seconds: float = 0.0


RESULTS: dict[str, dict[tuple[str, str], Outcome]] = {}
UNLISTED: dict[str, list[str]] = {}  # per walk: the main screen's keys that F1 does not list


def unlisted_keys(app: TuiNnApp) -> list[str]:
    """The keys of the app's own widgets on the main screen (hidden tabs and views included)
    that the help screen does not list."""
    listed = {(key, action) for _, key, action in help_rows(SECTIONS)}
    missing = set()
    for widget in app.screen.query("*"):
        for cls in type(widget).__mro__:
            if cls.__module__.startswith("tui_nn.") and "BINDINGS" in vars(cls):
                for _, key, action in help_rows([("", vars(cls)["BINDINGS"])]):
                    if (key, action) not in listed:
                        missing.add(f"{cls.__name__}: {key} ({action})")
    return sorted(missing)


async def walk(name: str, make: Callable[..., TuiNnApp]) -> dict[tuple[str, str], Outcome]:
    preset, wheres = WALKS[name]
    app = make(preset, KeysFake)
    results = RESULTS.setdefault(name, {})  # filled as it goes: a walk that fails runs once
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.later.lesson is not None, "the lesson pane")
        await wait_for(pilot, lambda: app.link.status == "idle", "the preset loaded")
        fake = app.link.process
        assert isinstance(fake, KeysFake)
        w = Walk(pilot, app, fake)
        notify = app.notify

        def said(message: str, **options: Any) -> None:
            w.said.append(message)
            notify(message, **options)

        app.notify = said  # type: ignore[method-assign,assignment]
        UNLISTED[name] = unlisted_keys(app)
        for where in wheres:
            rows = [row for row in ROWS if row[1] == where]
            order = SECTION_ORDER.get(where)
            if order:  # a section's rows in the order its walk wants them
                rows.sort(key=lambda row: order.index(row[3]))
            w.where = where
            for key, _, action, _ in rows:
                results[key, where] = await _one(w, key, action)
        await app.later.settle()
    return results


async def _one(w: Walk, key: str, action: str) -> Outcome:
    started = time.monotonic()
    outcome = Outcome()
    try:
        await w.home()
        act = CHECKS.get(action)
        if act is None:
            raise AssertionError(f"no check for the action {action!r}: add one to this file")
        await act(w, key)
    except pytest.skip.Exception as skip:
        outcome.skipped = str(skip)
    except Exception as error:  # noqa: BLE001 - the row says what went wrong, the walk goes on
        outcome.problem = f"{key!r} in {w.where} did not act: {error}"
    outcome.seconds = time.monotonic() - started
    return outcome


@pytest.mark.parametrize(("key", "where", "action"), params())
async def test_every_help_key_acts(fake_app, key: str, where: str, action: str) -> None:
    assert where in WALK_OF, f"no walk presses {key!r} ({action}) there: {where}"
    name = WALK_OF[where]
    if name not in RESULTS:
        await walk(name, fake_app)
    outcome = RESULTS[name].get((key, where), Outcome("the walk never pressed it"))
    if outcome.skipped:
        pytest.skip(outcome.skipped)
    assert outcome.problem is None, outcome.problem


async def test_the_help_lists_every_key_of_the_main_screen(fake_app) -> None:
    if "lesson" not in RESULTS:
        await walk("lesson", fake_app)
    assert UNLISTED["lesson"] == []
