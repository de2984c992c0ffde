"""`tui-nn sweep`: many runs of one preset at once, a grid of `--set` values times the seeds.

- `grid`: `--seeds` and `--set` parsed and checked, and the grid's runs (no torch)
- `folder`: the sweep's folder and its sweep.json (no torch)
- `stacked_optim`: SGD, RMSprop and Adam over stacked parameters, a learning rate per member
- `stacked_net`: same-shaped networks as one stacked model (`stack_key` says which fit)
- `population`: such runs trained together, each reproducing its single run
- `jobs`: a job (some runs, in one process) trained and written to run folders
- `local`: the jobs in this process or over worker processes
- `ray_backend`: the jobs as Ray tasks (the optional extra `tui-nn[ray]`)
- `results`: each run's result, the sorted table and the `--json` lines (no torch)

Each run is a normal run folder (`tui_nn.runs`), inside the sweep's folder.
"""
