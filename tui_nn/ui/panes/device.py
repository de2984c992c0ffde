"""The device panel, at the foot of the Training tab: the run's GPU (name, memory in use,
utilisation, temperature), the trainer process's CPU share and resident memory, samples a second
and the time the epoch budget has left at that rate, from the trainer's `DeviceStats` (about one a
second while an app is attached). Its text is built by pure functions (`panel_rows`), tested
without an app."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tui_nn.trainer import protocol

TITLE = "Device"
WAITING = "waiting for the trainer..."
LABEL_WIDTH = 11  # as the Training tab's field labels


def format_bytes(n_bytes: int | None) -> str:
    if n_bytes is None:
        return "-"
    if n_bytes < 2**30:
        return f"{n_bytes / 2**20:.0f} MiB"
    return f"{n_bytes / 2**30:.1f} GiB"


def format_gpu_memory(used: int | None, total: int | None) -> str:
    """Used of total in GiB ("1.2 / 139.8 GiB"); "-" for a figure NVML did not give."""
    if total is None:
        return format_bytes(used) + (" used" if used is not None else "")
    shown = "-" if used is None else f"{used / 2**30:.1f}"
    return f"{shown} / {total / 2**30:.1f} GiB"


def format_percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def format_rate(samples_per_s: float | None) -> str:
    if samples_per_s is None:
        return "-"
    if samples_per_s < 10:
        return f"{samples_per_s:.1f} samples/s"
    return f"{samples_per_s:,.0f} samples/s"


def format_time_left(seconds: float | None) -> str:
    """ "12 s left", "4 min 07 s left", "1 h 05 min left"; "-" when not known."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s left"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s left"
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min left"


def panel_rows(event: protocol.DeviceStats) -> list[tuple[str, str]]:
    """(label, value) for each line of the panel under its title (which names the device); the
    note comes last, its label empty."""
    rows: list[tuple[str, str]] = []
    gpu = event.gpu
    if gpu is not None:
        use = format_percent(gpu.utilization_percent)
        if gpu.temperature_c is not None:
            use += f"  {gpu.temperature_c:.0f} °C"
        rows += [
            ("GPU", gpu.name),
            ("GPU use", use),
            ("GPU mem", format_gpu_memory(gpu.memory_used_bytes, gpu.memory_total_bytes)),
        ]
    trainer = f"CPU {format_percent(event.cpu_percent)}  RAM {format_bytes(event.rss_bytes)}"
    rows += [
        ("Trainer", trainer),
        ("Speed", format_rate(event.samples_per_s)),
        ("Budget", format_time_left(event.eta_s)),
    ]
    if event.note:
        rows.append(("", event.note))
    return rows


def panel_text(event: protocol.DeviceStats | None) -> str:
    """The panel as plain text (what `DevicePanel` shows, without its styles)."""
    return panel_content(event).plain


def panel_content(event: protocol.DeviceStats | None) -> Content:
    if event is None:
        return Content.assemble((TITLE, "bold"), "\n", (WAITING, "dim"))
    parts: list[str | tuple[str, str]] = [(f"{TITLE} {event.device}", "bold")]
    for label, value in panel_rows(event):
        parts.append("\n")
        if label:
            parts += [(label.ljust(LABEL_WIDTH), "dim"), value]
        else:
            parts.append((value, "dim italic"))  # the note: why the panel shows less
    return Content.assemble(*parts)


class DevicePanel(Static):
    """Shows the latest `DeviceStats` (`show_stats`); "waiting for the trainer..." before the
    first and after `reset`."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(panel_content(None), id=id, markup=False)
        self.stats: protocol.DeviceStats | None = None

    def show_stats(self, event: protocol.DeviceStats) -> None:
        self.stats = event
        self.update(panel_content(event))

    def reset(self) -> None:
        """Back to waiting (the trainer went away)."""
        self.stats = None
        self.update(panel_content(None))
