"""Both sides of the process boundary between the app and its trainer.

- `protocol`: every command and event, typed, with one encode/decode (no torch, no Textual).
- `client`: the app's side (`TrainerProcess`): starts or attaches to a trainer, sends commands,
  yields events. No torch.
- `server`: the trainer's side (`python -m tui_nn.trainer.server`): runs the engine; its command
  line is `server_main`, its inbox's own notes `inbox`, the Backprop view's side `backprop_watch`.
"""
