"""The Training tab: loss, optimizer, learning rate, batch size, epochs, seed, device, and the
data set with its test fraction, noise (noisy sets only) and path (mnist, csv); under them the
device panel (what the trainer and its device are doing now)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Static

from tui_nn.presets.limits import LEARNING_RATE, NOISE, TEST_FRACTION
from tui_nn.spec import DATA_SETS, LOSSES, NOISY_SETS, OPTIMIZERS, DataSpec, TrainSpec
from tui_nn.trainer.protocol import DeviceInfo

from ..messages import FieldsEdited
from ..widgets import fields
from ..widgets.deferred import DeferredFields
from .device import DevicePanel

PATH_SETS = ("mnist", "csv")

# id -> (label, parser, placeholder, tooltip)
INPUTS: dict[str, tuple[str, Callable[[str], Any], str, str]] = {
    "lr": (
        "learning rate",
        fields.learning_rate,
        "0.01",
        f"learning rate: a number {LEARNING_RATE} (changes apply at once, also while training)",
    ),
    "batch": ("batch size", fields.count, "32", "samples per optimizer step: 1 or more"),
    "epochs": ("epochs", fields.count, "100", "epoch budget: 1 or more"),
    "seed": ("seed", fields.seed, "0", "random seed: a whole number >= 0"),
    "test-fraction": (
        "test fraction",
        fields.fraction,
        "0.2",
        f"share of samples held out for testing: {TEST_FRACTION}",
    ),
    "noise": (
        "noise",
        fields.noise,
        "default",
        f"noise level of the data: {NOISE} (blank: default)",
    ),
    "data-path": (
        "data path",
        fields.nonempty,
        "folder or file",
        "mnist: the IDX folder; csv: the file",
    ),
}
LABELS = {
    "lr": "Learn rate",
    "batch": "Batch size",
    "epochs": "Epochs",
    "seed": "Seed",
    "test-fraction": "Test frac",
    "noise": "Noise",
    "data-path": "Data path",
}


class TrainingPane(DeferredFields, Vertical):
    """Edits `preset.train` and `preset.data`; posts `FieldsEdited`."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.texts: dict[str, str] = {key: "" for key in INPUTS}
        self.choices: dict[str, str] = {
            "loss": "mse",
            "optimizer": "sgd",
            "device": "auto",
            "data-set": "xor",
        }
        self.train_base = TrainSpec()
        self.data_base = DataSpec()
        self.devices: list[DeviceInfo] = []

    def _row(self, label: str, widget: Any, row_id: str | None = None) -> Horizontal:
        return Horizontal(
            Label(label, classes="field-label"), widget, classes="field-row", id=row_id
        )

    def compose(self) -> ComposeResult:
        # Mounted at once (unlike the fields), as the trainer's stats may come first; moved
        # under the fields in `on_built`.
        yield DevicePanel(id="device-panel")

    def compose_fields(self) -> ComposeResult:
        choices = self.choices
        yield self._row(
            "Loss",
            Select(
                [(x, x) for x in LOSSES],
                value=choices["loss"],
                allow_blank=False,
                compact=True,
                id="loss",
            ),
        )
        yield self._row(
            "Optimizer",
            Select(
                [(x, x) for x in OPTIMIZERS],
                value=choices["optimizer"],
                allow_blank=False,
                compact=True,
                id="optimizer",
            ),
        )
        for key in ("lr", "batch", "epochs", "seed"):
            yield self._input_row(key)
        yield self._row(
            "Device",
            Select(
                self._device_options(),
                value=self.choices["device"],
                allow_blank=False,
                compact=True,
                id="device",
            ),
        )
        yield Label("Data", classes="section-title")
        yield self._row(
            "Data set",
            Select(
                [(x, x) for x in DATA_SETS],
                value=choices["data-set"],
                allow_blank=False,
                compact=True,
                id="data-set",
            ),
        )
        for key in ("test-fraction", "noise", "data-path"):
            yield self._input_row(key)
        yield Static("", id="train-errors", classes="field-errors")

    def _input_row(self, key: str) -> Horizontal:
        label, parse, placeholder, tooltip = INPUTS[key]
        field_class = Input if key == "data-path" else fields.NumberInput
        field_input = field_class(
            self.texts[key],
            placeholder=placeholder,
            compact=True,
            validators=[fields.FieldValidator(label, parse)],
            valid_empty=key == "noise",
            id=key,
            classes="field-input",
            tooltip=tooltip,
        )
        return self._row(LABELS[key], field_input, row_id=f"row-{key}")

    async def on_built(self) -> None:
        panel = self.query_one(DevicePanel)
        if self.children[-1] is not panel:
            self.move_child(panel, after=self.children[-1])
        self._fill_device_options()
        for key, text in self.texts.items():
            widget = self.query_one(f"#{key}", Input)
            if widget.value != text:
                widget.value = text
        for key in ("loss", "optimizer", "data-set", "device"):
            select = self.query_one(f"#{key}", Select)
            if select.value != self.choices[key]:
                select.value = self.choices[key]
        self._refresh()

    # -- the preset -----------------------------------------------------------------------

    def set_preset(self, train: TrainSpec, data: DataSpec) -> None:
        """Show these specs (replacing every edit)."""
        self.train_base = dataclasses.replace(train)
        self.data_base = dataclasses.replace(data)
        self.texts = {
            "lr": fields.format_number(train.learning_rate),
            "batch": str(train.batch_size),
            "epochs": str(train.epochs),
            "seed": str(train.seed),
            "test-fraction": fields.format_number(data.test_fraction),
            "noise": fields.format_number(data.noise),
            "data-path": data.path or "",
        }
        self.choices = {
            "loss": train.loss,
            "optimizer": train.optimizer,
            "device": train.device,
            "data-set": data.set,
        }
        if self.built:
            self.call_next(self.on_built)

    def set_devices(self, devices: list[DeviceInfo]) -> None:
        self.devices = list(devices)
        if self.built:
            self._fill_device_options()

    def _device_options(self) -> list[tuple[str, str]]:
        """ "auto", the devices the trainer reported, and the preset's own device if not among them."""
        options: list[tuple[str, str]] = [("auto", "auto")]
        for device in self.devices:
            options.append((f"{device.name} {device.description}".strip(), device.name))
        wanted = self.choices["device"]
        if wanted not in [value for _, value in options]:
            options.append((f"{wanted} (not found)" if self.devices else wanted, wanted))
        return options

    def _fill_device_options(self) -> None:
        select = self.query_one("#device", Select)
        with select.prevent(Select.Changed):
            select.set_options(self._device_options())
            select.value = self.choices["device"]

    def errors(self) -> list[str]:
        out = []
        for key in self._visible_inputs():
            label, parse, _, _ = INPUTS[key]
            _, error = fields.check(label, parse, self.texts[key])
            if error:
                out.append(error)
        return out

    def _visible_inputs(self) -> list[str]:
        keys = ["lr", "batch", "epochs", "seed", "test-fraction"]
        if self.choices["data-set"] in NOISY_SETS:
            keys.append("noise")
        if self.choices["data-set"] in PATH_SETS:
            keys.append("data-path")
        return keys

    def read(self) -> tuple[TrainSpec, DataSpec] | None:
        """The edited specs, or None while a field is invalid."""
        if self.errors():
            return None
        train = dataclasses.replace(
            self.train_base,
            loss=self.choices["loss"],
            optimizer=self.choices["optimizer"],
            learning_rate=fields.learning_rate(self.texts["lr"]),
            batch_size=fields.count(self.texts["batch"]),
            epochs=fields.count(self.texts["epochs"]),
            seed=fields.seed(self.texts["seed"]),
            device=self.choices["device"],
        )
        data_set = self.choices["data-set"]
        data = dataclasses.replace(
            self.data_base,
            set=data_set,
            test_fraction=fields.fraction(self.texts["test-fraction"]),
        )
        if data_set != self.data_base.set:
            # Another data set: its own defaults for the sample count and noise.
            data = dataclasses.replace(data, samples=None, noise=None, label_column=None)
        if data_set in NOISY_SETS:
            data = dataclasses.replace(data, noise=fields.noise(self.texts["noise"]))
        if data_set in PATH_SETS:
            data = dataclasses.replace(data, path=fields.nonempty(self.texts["data-path"]))
        return train, data

    def learning_rate_text(self) -> str:
        return self.texts["lr"]

    def _refresh(self) -> None:
        data_set = self.choices["data-set"]
        try:
            for row_id, shown in (
                ("#row-noise", data_set in NOISY_SETS),
                ("#row-data-path", data_set in PATH_SETS),
            ):
                row = self.query_one(row_id)
                if row.display != shown:
                    row.display = shown
            fields.show_errors(self.query_one("#train-errors", Static), self.errors())
        except Exception:  # noqa: BLE001 - not mounted yet
            pass

    # -- events ---------------------------------------------------------------------------

    @on(Input.Changed, ".field-input")
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        key = event.input.id or ""
        if key not in self.texts or self.texts[key] == event.value:
            return
        self.texts[key] = event.value
        self._refresh()
        self.post_message(FieldsEdited(self, commit=False))

    @on(Input.Submitted, ".field-input")
    @on(Input.Blurred, ".field-input")
    def _input_done(self, event: Input.Submitted | Input.Blurred) -> None:
        event.stop()
        self.post_message(FieldsEdited(self, commit=True))

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        key = event.select.id or ""
        if key not in self.choices or event.value is Select.NULL:
            return
        if self.choices[key] == event.value:
            return
        self.choices[key] = str(event.value)
        self._refresh()
        self.post_message(FieldsEdited(self, commit=True))
