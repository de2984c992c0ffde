"""SGD, RMSprop and Adam over stacked parameters: one tensor holds the same parameter of every
member of a population (the member is the first dimension), and each member has its own
learning rate.

The updates are elementwise, so a member's slice moves exactly as torch's own optimizer
(`torch.optim.*`'s single-tensor code, which the CPU uses) moves that member's network: the same
operations in the same order, bit for bit (a test checks it). Only the learning rate differs per
member; where all members share one, torch's own call is used, else a per-member tensor in the
same place, rounded as torch's kernel rounds.
"""

from __future__ import annotations

import torch

__all__ = ["ADAM_BETAS", "EPS", "RMSPROP_ALPHA", "StackedOptimizer"]

ADAM_BETAS = (0.9, 0.999)  # torch.optim.Adam's defaults, which tui-nn's presets use
RMSPROP_ALPHA = 0.99
EPS = 1e-8


class StackedOptimizer:
    def __init__(
        self,
        kind: str,
        params: list[torch.Tensor],
        lrs: list[float],
        *,
        momentum: float,
        weight_decay: float,
    ) -> None:
        if kind not in ("sgd", "rmsprop", "adam"):
            raise ValueError(f"no stacked optimizer {kind!r}")
        self.kind = kind
        self.params = params  # stacked leaves that require grad
        self.lrs = list(lrs)
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.step_count = 0
        # Per parameter: exp_avg and exp_avg_sq (adam), square_avg (rmsprop), momentum_buffer
        # (sgd with momentum; None until the first step, as in torch).
        self.state: list[dict[str, torch.Tensor]] = [{} for _ in params]
        self._lr_tensor = self._lrs_as_tensor()

    def _lrs_as_tensor(self) -> torch.Tensor | None:
        if len(set(self.lrs)) <= 1:
            return None
        device = self.params[0].device if self.params else torch.device("cpu")
        return torch.tensor(self.lrs, dtype=torch.float64, device=device)

    def _per_member(self, values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        """A per-member float64 vector in `like`'s dtype (as torch casts a scalar), broadcast
        over `like`'s slices."""
        return values.to(like.dtype).reshape(-1, *([1] * (like.dim() - 1)))

    def zero_grad(self) -> None:
        for param in self.params:
            param.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.step_count += 1
        for param, state in zip(self.params, self.state, strict=True):
            grad = param.grad
            if grad is None:
                continue
            if self.kind == "sgd":
                self._sgd(param, grad, state)
            elif self.kind == "rmsprop":
                self._rmsprop(param, grad, state)
            else:
                self._adam(param, grad, state)

    def _sgd(self, param: torch.Tensor, grad: torch.Tensor, state: dict[str, torch.Tensor]) -> None:
        if self.weight_decay != 0:
            grad = grad.add(param, alpha=self.weight_decay)
        if self.momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.detach().clone()
            else:
                buf.mul_(self.momentum).add_(grad, alpha=1)
            grad = buf
        if self._lr_tensor is None:
            param.add_(grad, alpha=-self.lrs[0])
        else:  # add_ with alpha rounds once (a fused multiply-add): so does float64 here
            alpha = self._per_member(-self._lr_tensor, param).double()
            param.copy_(param.double() + alpha * grad.double())

    def _rmsprop(
        self, param: torch.Tensor, grad: torch.Tensor, state: dict[str, torch.Tensor]
    ) -> None:
        if self.weight_decay != 0:
            grad = grad.add(param, alpha=self.weight_decay)
        square_avg = state.get("square_avg")
        if square_avg is None:
            square_avg = state["square_avg"] = torch.zeros_like(param)
        square_avg.mul_(RMSPROP_ALPHA).addcmul_(grad, grad, value=1 - RMSPROP_ALPHA)
        avg = square_avg.sqrt().add_(EPS)
        if self._lr_tensor is None:
            param.addcdiv_(grad, avg, value=-self.lrs[0])
        else:  # addcdiv computes self + value * t1 / t2: the same order here
            param.add_(self._per_member(-self._lr_tensor, param) * grad / avg)

    def _adam(
        self, param: torch.Tensor, grad: torch.Tensor, state: dict[str, torch.Tensor]
    ) -> None:
        beta1, beta2 = ADAM_BETAS
        if self.weight_decay != 0:
            grad = grad.add(param, alpha=self.weight_decay)
        if "exp_avg" not in state:
            state["exp_avg"] = torch.zeros_like(param)
            state["exp_avg_sq"] = torch.zeros_like(param)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        exp_avg.lerp_(grad, 1 - beta1)
        exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        step = self.step_count
        bias_correction1 = 1 - beta1**step
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(EPS)
        if self._lr_tensor is None:
            param.addcdiv_(exp_avg, denom, value=-(self.lrs[0] / bias_correction1))
        else:
            step_size = self._per_member(-(self._lr_tensor / bias_correction1), param)
            param.add_(step_size * exp_avg / denom)

    # -- members ----------------------------------------------------------------------------

    def keep(self, members: torch.Tensor, params: list[torch.Tensor]) -> None:
        """Keep only these members (indices into the first dimension), in this order, whose
        parameters are now `params` (the old ones `index_select`ed in the same order)."""
        kept = members.tolist()
        self.params = params
        self.lrs = [self.lrs[i] for i in kept]
        for state in self.state:
            for key, value in list(state.items()):
                state[key] = value.index_select(0, members.to(value.device))
        self._lr_tensor = self._lrs_as_tensor()

    def member_state(self, index: int, member: int) -> dict[str, torch.Tensor]:
        """Parameter `index`'s state for one member, as torch's optimizer keeps it."""
        out = {key: value[member].clone() for key, value in self.state[index].items()}
        if self.kind in ("adam", "rmsprop") and out:
            out["step"] = torch.tensor(float(self.step_count))
        return out
