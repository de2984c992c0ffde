"""Run folders: every training run, from the app or `tui-nn train`, writes one.

    <runs>/<id>/preset.toml            the preset as run
               metrics.jsonl           every metric event, appended and flushed as training goes
               curve.jsonl             the lines of it that the curves need (history_index)
               run.json                what `tui-nn runs` lists: preset, status, epochs, best metric
               checkpoint.safetensors  the latest checkpoint (replaced atomically)
               model.safetensors       the weights when the run last closed (torch's names)
               trainer.lock            held by the run's trainer while it trains (one at a time)

`<runs>` is `platformdirs.user_data_path("tui-nn") / "runs"` unless `--out DIR` names the folder.

- `session`: `RunSession`, the one lifecycle of a run (open or resume, metrics, the checkpoint
  rule, its status, close), used by `tui-nn train` and the trainer process alike
- `folder`: `RunFolder`, the files of one folder, each written atomically
- `history_index`: the lines of metrics.jsonl a curve needs, and curve.jsonl that holds them
- `record`: `RunRecord`, the epochs and evaluations a run has recorded (the trainer's `History`)
- `listing`: reading folders: `list_runs`, `resolve_run`, `read_run_info`, `pid_alive`
- `live`: runs a trainer process still serves (`tui-nn attach`, the runs screen)
- `lock`: one trainer per run folder (`RunLock`, a `flock` no crash leaves stale)

Nothing here imports torch at import time.
"""

from tui_nn.runs.folder import MODEL, RunFolder
from tui_nn.runs.listing import (
    CHECKPOINT,
    RunSummary,
    comparison_preset,
    has_checkpoint,
    list_runs,
    pid_alive,
    read_run_info,
    resolve_run,
    resume_command,
    runs_root,
)
from tui_nn.runs.live import LiveRun, describe_runs, find_live_run, live_run
from tui_nn.runs.session import CHECKPOINT_EVERY_S, RunSession

__all__ = [
    "CHECKPOINT",
    "CHECKPOINT_EVERY_S",
    "MODEL",
    "LiveRun",
    "RunFolder",
    "RunSession",
    "RunSummary",
    "comparison_preset",
    "describe_runs",
    "find_live_run",
    "has_checkpoint",
    "list_runs",
    "live_run",
    "pid_alive",
    "read_run_info",
    "resolve_run",
    "resume_command",
    "runs_root",
]
