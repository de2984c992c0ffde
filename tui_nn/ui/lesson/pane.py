"""The Lesson tab: the ideas of the lesson next to the live training, each view where the preset
makes it meaningful (truth table and hand-set weights for logic gates, the perceptron rule step
by step, decision maps for 2-D data, the network's weights, digits with a confusion matrix, the
regression curve).

The app hands the pane what it needs when it makes it: `send` (a command to the trainer; false
when none is running), `committed` (the preset the trainer has, or will have, loaded) and the
ASCII mode; then it gives the pane every trainer event (`trainer_event`) and each change of the
ASCII mode (`set_ascii`). The pane asks the trainer for snapshots (`SetViews(True)`) only while
the tab is shown, and turns them off when it is hidden: snapshots cost the trainer a little time.
Likewise `WatchBackprop(sample)` only while the Backprop view is shown (or the Network view in
its backprop mode), `WatchBackprop(None)` else.
While shown the tab takes the room of the plots on a narrow terminal and sits beside them on a
wide one (inline styles on the sidebar and the plots).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import TabbedContent, TabPane, Tabs

from tui_nn.spec import Preset
from tui_nn.trainer import protocol

from .backprop import BackpropView, SampleChosen, StepOnSample
from .curve import CurveView
from .data import VIEWS, LessonData
from .digits import DigitsView
from .map import MapView
from .network import NetView
from .rule import RuleView
from .table import TableView, WeightsApplied

VIEW_NAMES = {"lesson-rule": "Perceptron rule", "lesson-map": "Decision map"}
WIDE = 110  # from this many columns the lesson sits beside the plots


class LessonPane(Vertical):
    """See the module docstring."""

    BINDINGS = [
        Binding("s", "step", "Step", show=False, tooltip="perceptron rule: the next sample"),
        Binding(
            "e",
            "rule_epoch",
            "Rest of epoch",
            show=False,
            tooltip="perceptron rule: to the end of the epoch",
        ),
        Binding(
            "z",
            "rewind",
            "Start over",
            show=False,
            tooltip="perceptron rule: back to the initial weights",
        ),
        Binding(
            "escape",
            "revert",
            "Trainer's weights",
            show=False,
            tooltip="truth table: drop the typed weights, show the trainer's",
        ),
        Binding("p", "points", "Points", show=False, tooltip="decision map: points on/off"),
        Binding(
            "right_square_bracket",
            "next_view(1)",
            "Next view",
            show=False,
            tooltip="the next lesson view",
        ),
        Binding(
            "left_square_bracket",
            "next_view(-1)",
            "Previous view",
            show=False,
            tooltip="the previous lesson view",
        ),
    ]

    def __init__(
        self,
        send: Callable[[protocol.Command], bool],
        committed: Callable[[], Preset],
        ascii_mode: bool,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._send = send
        self._committed = committed
        self._ascii_mode = ascii_mode
        self.data: LessonData | None = None
        self.shown = False  # the tab is the active one
        self._previous_tab: str | None = None
        self._refresh_scheduled = False
        self._stale: set[str] = set()
        # The sample the trainer sends Backprop for, and whether with the gradient check.
        self._watching: tuple[int | None, bool] = (None, False)

    def compose(self) -> ComposeResult:
        widgets: dict[str, Widget] = {
            "lesson-table": TableView(id="table-view"),
            "lesson-rule": RuleView(id="rule-view"),
            "lesson-map": MapView(id="map-view"),
            "lesson-net": NetView(id="net-view"),
            "lesson-backprop": BackpropView(id="backprop-view"),
            "lesson-digits": DigitsView(id="digits-view"),
            "lesson-curve": CurveView(id="curve-view"),
        }
        with TabbedContent(id="lesson-tabs"):
            for ident, title in VIEWS:
                with TabPane(title, id=ident):
                    yield widgets[ident]

    def on_mount(self) -> None:
        self.data = LessonData(self._committed(), ascii_only=self._ascii_mode)
        sidebar = self._sidebar()
        if sidebar is not None:
            self.watch(sidebar, "active", self._sidebar_changed, init=False)
        self._sync_tabs()

    # -- where the pane lives --------------------------------------------------------------

    def _sidebar(self) -> TabbedContent | None:
        try:
            return self.query_ancestor(TabbedContent)
        except Exception:  # noqa: BLE001 - not inside a TabbedContent (a test harness)
            return None

    def _own_tab(self) -> str | None:
        try:
            return self.query_ancestor(TabPane).id
        except Exception:  # noqa: BLE001
            return None

    def _sidebar_changed(self, active: str) -> None:
        shown = active == self._own_tab()
        if shown == self.shown:
            return
        self.shown = shown
        self._layout()
        self._set_views(shown)
        self._watch_backprop()
        if shown:
            self._stale = {ident for ident, _ in VIEWS}
            self.refresh_views()

    def _layout(self) -> None:
        """Give the lesson room: the plots' place on a narrow terminal, most of a wide one.

        Inline styles on the sidebar and the plots (a layout pass) rather than classes on
        their parent, which would restyle every widget of every tab (slow)."""
        sidebar = self._sidebar()
        if sidebar is None or sidebar.parent is None:
            return
        plots = next((w for w in sidebar.parent.children if w.id == "plots"), None)
        wide = self.app.size.width >= WIDE
        if self.shown:
            sidebar.styles.width = "1fr"
            if not wide:
                sidebar.styles.border_right = ("none", "black")  # nothing beside it
            else:
                sidebar.styles.clear_rule("border_right")
            if plots is not None:
                plots.display = wide
                plots.styles.width = "40%"
        else:
            sidebar.styles.clear_rule("width")
            sidebar.styles.clear_rule("border_right")
            if plots is not None:
                plots.styles.clear_rule("width")
                plots.display = True

    def on_resize(self) -> None:
        if self.shown:
            self._layout()

    def _set_views(self, enabled: bool) -> None:
        """Tell the trainer to send snapshots (or to stop)."""
        self._send(protocol.SetViews(enabled=enabled))

    def toggle(self) -> None:
        """`v`: show the lesson (focus its view tabs), or go back to the tab before."""
        sidebar = self._sidebar()
        own = self._own_tab()
        if sidebar is None or own is None or self.app.screen.is_modal:
            return
        if sidebar.active == own:
            sidebar.active = self._previous_tab or "tab-presets"
            tabs = sidebar.query_children(Tabs)
            if tabs:
                tabs.first().focus()
        else:
            self._previous_tab = sidebar.active
            sidebar.active = own
            self.query_one("#lesson-tabs").query_one(Tabs).focus()

    # -- events ----------------------------------------------------------------------------

    def trainer_event(self, event: protocol.Event) -> None:
        """Every trainer event, from the app."""
        try:
            self._trainer_event(event)
        except Exception as error:  # noqa: BLE001 - a bad event must not break the app
            self.log.error(f"lesson: bad {event.NAME!r} event: {error}")

    def _trainer_event(self, event: protocol.Event) -> None:
        match event:
            case protocol.Loaded():
                self.data = LessonData(self._committed(), loaded=event, ascii_only=self._ascii_mode)
                self._sync_tabs()
                if self.shown:
                    self._set_views(True)  # a new trainer process starts without them
                self._watching = (None, False)
                self._watch_backprop()
            case protocol.Snapshot() if self.data is not None:
                self.data.snapshot = event
            case protocol.Backprop() if self.data is not None:
                self.data.backprop = event
            case protocol.State():
                pass  # e.g. a new learning rate: the views redraw from the committed preset
            case _:
                return
        self._stale = {ident for ident, _ in VIEWS}
        self.refresh_views()

    def set_ascii(self, on: bool) -> None:
        """The app's ASCII mode (`a`) changed."""
        self._ascii_mode = on
        if self.data is not None:
            self.data.ascii_only = on
            self._stale = {ident for ident, _ in VIEWS}
            self.refresh_views()

    # -- the views ------------------------------------------------------------------------

    def _tabs(self) -> TabbedContent:
        return self.query_one("#lesson-tabs", TabbedContent)

    def _sync_tabs(self) -> None:
        if self.data is None:
            return
        wanted = self.data.views()
        tabs = self._tabs()
        for ident, _ in VIEWS:
            if ident in wanted:
                tabs.show_tab(ident)
            else:
                tabs.hide_tab(ident)
        if tabs.active not in wanted and wanted:
            tabs.active = wanted[0]

    @property
    def active_view(self) -> str:
        return self._tabs().active

    def refresh_views(self) -> None:
        """Redraw the visible view soon (several events in a row redraw once)."""
        if self._refresh_scheduled:
            return
        self._refresh_scheduled = True
        self.call_later(self._refresh_now)

    async def _refresh_now(self) -> None:
        self._refresh_scheduled = False
        data = self.data
        if data is None or not self.is_attached:
            return
        data.preset = self._committed()  # the learning rate changes without a reload
        active = self.active_view
        if not self.shown or active not in self._stale:
            return
        self._stale.discard(active)
        await self._update(active, data)

    async def _update(self, ident: str, data: LessonData) -> None:
        if ident == "lesson-table":
            await self.query_one(TableView).set_data(data)
        elif ident == "lesson-rule":
            self.query_one(RuleView).set_data(data)
        elif ident == "lesson-map":
            self.query_one(MapView).set_data(data)
        elif ident == "lesson-net":
            self.query_one(NetView).set_data(data)
        elif ident == "lesson-backprop":
            self.query_one(BackpropView).set_data(data)
        elif ident == "lesson-digits":
            self.query_one(DigitsView).set_data(data)
        elif ident == "lesson-curve":
            self.query_one(CurveView).set_data(data)

    @on(TabbedContent.TabActivated, "#lesson-tabs")
    def _view_activated(self, event: TabbedContent.TabActivated) -> None:
        event.stop()  # the app's sidebar must not take it for its own
        self.refresh_bindings()
        self.refresh_views()
        self._watch_backprop()
        if event.pane.id == "lesson-backprop":
            self.query_one(BackpropView).focus()  # its keys, in the key bar
        elif event.pane.id == "lesson-net" and self.shown:  # hidden: focus would show it
            self.query_one(NetView).focus()

    def _watch_backprop(self) -> None:
        """Backprop for the view's sample while the view is shown, none while it is hidden."""
        shown = self.shown and self.data is not None and self.active_view == "lesson-backprop"
        view = self.query_one(BackpropView)
        loaded = self.data.loaded if self.data is not None else None
        if loaded is not None and view.sample >= loaded.n_train:
            view.sample = 0  # another preset, fewer samples
        net = self.query_one(NetView)  # its backprop mode: each neuron's delta
        net_shown = self.shown and self.active_view == "lesson-net" and net.wants_backprop
        wanted = view.sample if shown else net.sample if net_shown else None
        check = shown and view.check
        if (wanted, check) != self._watching and self._send(protocol.WatchBackprop(wanted, check)):
            self._watching = (wanted, check)

    @on(SampleChosen)
    def _sample_chosen(self, message: SampleChosen) -> None:
        self._watch_backprop()

    @on(StepOnSample)
    def _step_on_sample(self, message: StepOnSample) -> None:
        self._send(protocol.BackpropStep(message.sample))

    @on(WeightsApplied)
    def _weights_applied(self, message: WeightsApplied) -> None:
        layers = [
            protocol.LayerWeights(
                weights=[list(row) for row in layer.weights], bias=list(layer.bias)
            )
            for layer in message.layers
        ]
        sent = self._send(protocol.SetWeights(layers=layers))
        data = self.data
        snapshot = data.snapshot if data is not None else None
        if sent and data is not None and snapshot is not None:
            # Show them at once; the trainer's next snapshot confirms.
            if len(snapshot.layers) == len(layers):
                data.snapshot = dataclasses.replace(
                    snapshot,
                    layers=[
                        _with_weights(old, new)
                        for old, new in zip(snapshot.layers, layers, strict=True)
                    ],
                )
        self.query_one(TableView).applied(sent)

    # -- keys -----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "revert":
            return self.active_view == "lesson-table" and self.query_one(TableView).dirty
        return True

    def _in_view(self, view: str, key: str) -> bool:
        """A view's key pressed in another view says where it works, rather than nothing."""
        if self.active_view == view:
            return True
        name = VIEW_NAMES[view]
        here = self.data is not None and view in self.data.views()
        where = (
            f"in the {name} view ([ and ] switch views)"
            if here
            else (f"in the {name} view, which this preset does not have")
        )
        self.app.notify(f"{key} works {where}", markup=False, timeout=3)
        return False

    def action_step(self) -> None:
        if self._in_view("lesson-rule", "s"):
            self.query_one(RuleView).step()

    def action_rule_epoch(self) -> None:
        if self._in_view("lesson-rule", "e"):
            self.query_one(RuleView).finish_epoch()

    def action_rewind(self) -> None:
        if self._in_view("lesson-rule", "z"):
            self.query_one(RuleView).rewind()

    def action_points(self) -> None:
        if self._in_view("lesson-map", "p"):
            self.query_one(MapView).toggle_points()

    def action_revert(self) -> None:
        self.query_one(TableView).revert()
        self.call_later(self.app.run_action, "leave_field")  # Escape leaves the field, too

    def action_next_view(self, delta: int) -> None:
        if self.data is None:
            return
        wanted = self.data.views()
        tabs = self._tabs()
        if tabs.active in wanted:
            tabs.active = wanted[(wanted.index(tabs.active) + delta) % len(wanted)]
        # Focus left in the view before (now hidden) would keep this pane's keys from it.
        tabs.query_one(Tabs).focus()


def _with_weights(stats: protocol.LayerStats, new: protocol.LayerWeights) -> protocol.LayerStats:
    """A layer's statistics with hand-set weights and biases in place of the trainer's."""
    out = stats.copy()
    if new.weights is not None:
        out["weights"] = new.weights
    if new.bias is not None:
        out["bias"] = new.bias
    return out
