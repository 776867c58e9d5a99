"""Meta-learning on a float-mode :class:`~.network.Network`: first-order MAML and Reptile.

A *task* is ``task_data = (support_inputs, support_targets, query_inputs,
query_targets)``: inputs ``(T, n_in)`` or ``(T, batch, n_in)``, targets as
:class:`~.bptt.BPTTLearner` takes them for the chosen loss. ``theta`` is the
list of the projections' ``data`` arrays (:meth:`Network.parameters`), the
meta-parameters; the gradients are BPTT's with its surrogate
(:meth:`BPTTLearner.gradients`, from the reset state).

Inner loop (:meth:`MetaLearner.inner_loop`, shared by both methods)
    ``phi_0 = theta``; ``phi_{k+1} = phi_k - inner_lr * grad L_support(phi_k)``
    for ``k < n_steps`` (plain SGD, no state carried between tasks). The
    network is left at ``theta``; ``phi_n`` is returned.
First-order MAML (:class:`MetaLearner`, Finn et al. 2017, "first-order approximation")
    For every task ``i`` of a meta-batch, adapt ``phi_i`` on the support set,
    then evaluate the gradient of the *query* loss *at the adapted weights*:
    ``g_i = grad L_query_i(phi_i)``. The meta-gradient is ``mean_i g_i`` (the
    MAML gradient with the Hessian term ``d phi_i / d theta`` replaced by the
    identity) and the outer optimiser applies it to ``theta`` (default SGD:
    ``theta -= outer_lr * mean_i g_i``). With ``n_steps = 0`` this is
    ordinary multi-task training on the query sets.
Reptile (:class:`Reptile`, Nichol, Achiam & Schulman 2018)
    ``theta += outer_lr * mean_i (phi_i - theta)``, ``phi_i`` adapted on the
    task's support set (no query gradient). With ``n_steps = 1`` and one task
    this is ``theta -= outer_lr * inner_lr * grad L_support(theta)``.

Both return the mean query loss at the adapted weights from
:meth:`outer_step` (before the update of ``theta``), and :meth:`adapt` leaves
the network at the adapted weights of one task (evaluation after few-shot
adaptation). Bad input is refused with the argument's name: an empty task
list, a task that is not a 4-tuple, inputs or targets of the wrong shape
(``tasks[2] query_inputs must have shape ...``), ``n_steps < 0``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._validate import check_int
from .bptt import BPTTLearner, check_float_network
from .network import Network, as_time_batch, check_positive
from .optim import get_optimizer
from .surrogate import Surrogate

TASK_FIELDS = ("support_inputs", "support_targets", "query_inputs", "query_targets")
Task = tuple[object, object, object, object]


class MetaLearner:
    """First-order MAML (module docstring).

    Parameters
    ----------
    network : Network in float mode; ``theta`` = its projections' ``data`` (updated in place).
    inner_lr : float > 0, SGD step of the inner loop.
    outer_lr : float > 0, step of the outer optimiser.
    loss_fn : loss of :class:`~.bptt.BPTTLearner` (``"mse"``, ``"count"``, ``"ce"``, callable).
    n_steps : inner steps used by :meth:`outer_step` (default 1; ``>= 0``).
    outer_optimizer : ``"sgd"`` (default, ``theta -= outer_lr * g``), ``"adam"`` or an Optimizer.
    surrogate : BPTT's surrogate (default ``FastSigmoid(10)``).
    """

    def __init__(
        self,
        network: Network,
        inner_lr: float,
        outer_lr: float,
        loss_fn: object = "mse",
        n_steps: int = 1,
        outer_optimizer: object = "sgd",
        surrogate: Surrogate | None = None,
    ) -> None:
        self.network = check_float_network(network)
        self.inner_lr = float(check_positive("inner_lr", inner_lr))
        self.outer_lr = float(check_positive("outer_lr", outer_lr))
        self.n_steps = check_int("n_steps", n_steps, 0)
        self._bptt = BPTTLearner(network, loss_fn, inner_lr, "sgd", surrogate)
        self.outer_optimizer = get_optimizer(outer_optimizer, self.outer_lr)

    # -- parameters ---------------------------------------------------------

    def get_params(self) -> list[np.ndarray]:
        """A copy of ``theta`` (one array per projection)."""
        return [p.copy() for p in self.network.parameters()]

    def set_params(self, params: Sequence[np.ndarray]) -> None:
        """Write ``params`` into the projections' ``data`` (shapes must match)."""
        current = self.network.parameters()
        if len(params) != len(current):
            raise ValueError(f"params must hold {len(current)} arrays, not {len(params)}")
        for i, (dst, src) in enumerate(zip(current, params, strict=True)):
            src = np.asarray(src, dtype=np.float64)
            if src.shape != dst.shape:
                raise ValueError(f"params[{i}] must have shape {dst.shape}, not {src.shape}")
            dst[...] = src

    # -- tasks ------------------------------------------------------------

    def _check_task(self, index: int | None, task: object) -> Task:
        where = "task_data" if index is None else f"tasks[{index}]"
        if not isinstance(task, Sequence) or isinstance(task, str) or len(task) != 4:
            raise ValueError(
                f"{where} must be a 4-tuple ({', '.join(TASK_FIELDS)}), not {type(task).__name__}"
                + (f" of length {len(task)}" if isinstance(task, Sequence) else "")
            )
        for k in (0, 2):
            as_time_batch(f"{where} {TASK_FIELDS[k]}", task[k], self.network.n_in)
        return tuple(task)  # type: ignore[return-value]

    def _grad(self, where: str, inputs: object, targets: object) -> tuple[float, list[np.ndarray]]:
        try:
            return self._bptt.gradients(inputs, targets)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from None

    def _check_tasks(self, tasks: object) -> list[Task]:
        if not isinstance(tasks, Sequence) or isinstance(tasks, str):
            raise TypeError(f"tasks must be a list of tasks, not {type(tasks).__name__}")
        if len(tasks) == 0:
            raise ValueError(
                f"tasks must hold at least one task ({', '.join(TASK_FIELDS)}), got an empty list"
            )
        return [self._check_task(i, t) for i, t in enumerate(tasks)]

    # -- inner loop ---------------------------------------------------------

    def _adapt_in_place(self, task: Task, n_steps: int, where: str) -> None:
        for _ in range(n_steps):
            _, grads = self._grad(f"{where} support", task[0], task[1])
            for p, g in zip(self.network.parameters(), grads, strict=True):
                p -= self.inner_lr * g

    def inner_loop(self, task_data: object, n_steps: int) -> list[np.ndarray]:
        """``phi_n`` after ``n_steps`` SGD steps on the support set; network left at ``theta``."""
        task = self._check_task(None, task_data)
        n_steps = check_int("n_steps", n_steps, 0)
        theta = self.get_params()
        try:
            self._adapt_in_place(task, n_steps, "task_data")
            return self.get_params()
        finally:
            self.set_params(theta)

    def adapt(self, task_data: object, n_steps: int) -> list[np.ndarray]:
        """Like :meth:`inner_loop` but leave the network at ``phi_n``; returns ``theta``."""
        task = self._check_task(None, task_data)
        n_steps = check_int("n_steps", n_steps, 0)
        theta = self.get_params()
        self._adapt_in_place(task, n_steps, "task_data")
        return theta

    def query_loss(self, task_data: object, params: Sequence[np.ndarray] | None = None) -> float:
        """Loss on the query set at ``params`` (default the current weights)."""
        task = self._check_task(None, task_data)
        if params is None:
            return self._grad("task_data query", task[2], task[3])[0]
        theta = self.get_params()
        try:
            self.set_params(params)
            return self._grad("task_data query", task[2], task[3])[0]
        finally:
            self.set_params(theta)

    # -- outer step -----------------------------------------------------------

    def meta_gradient(self, tasks: object, n_steps: int | None = None) -> tuple[float, list]:
        """``(mean query loss at phi_i, mean_i grad L_query_i(phi_i))``; the network stays."""
        checked = self._check_tasks(tasks)
        n = self.n_steps if n_steps is None else check_int("n_steps", n_steps, 0)
        theta = self.get_params()
        total = [np.zeros_like(p) for p in theta]
        loss = 0.0
        try:
            for i, task in enumerate(checked):
                self.set_params(theta)
                self._adapt_in_place(task, n, f"tasks[{i}]")
                q_loss, grads = self._grad(f"tasks[{i}] query", task[2], task[3])
                loss += q_loss
                for acc, g in zip(total, grads, strict=True):
                    acc += g
        finally:
            self.set_params(theta)
        k = len(checked)
        return loss / k, [g / k for g in total]

    def outer_step(self, tasks: object, n_steps: int | None = None) -> float:
        """One meta-update on a batch of tasks; returns the mean query loss at the phi_i."""
        loss, grads = self.meta_gradient(tasks, n_steps)
        self.outer_optimizer.step(self.network.parameters(), grads)
        return loss


class Reptile(MetaLearner):
    """Reptile (module docstring): ``theta += outer_lr * mean_i (phi_i - theta)``.

    Parameters as :class:`MetaLearner` (``outer_optimizer`` is not used; ``n_steps >= 1``).
    """

    def __init__(
        self,
        network: Network,
        inner_lr: float,
        outer_lr: float,
        loss_fn: object = "mse",
        n_steps: int = 5,
        surrogate: Surrogate | None = None,
    ) -> None:
        super().__init__(network, inner_lr, outer_lr, loss_fn, n_steps, "sgd", surrogate)
        self.n_steps = check_int("n_steps", n_steps, 1)

    def outer_step(self, tasks: object, n_steps: int | None = None) -> float:
        """One Reptile update; returns the mean query loss at the adapted weights (before it)."""
        checked = self._check_tasks(tasks)
        n = self.n_steps if n_steps is None else check_int("n_steps", n_steps, 1)
        theta = self.get_params()
        shift = [np.zeros_like(p) for p in theta]
        loss = 0.0
        try:
            for i, task in enumerate(checked):
                self.set_params(theta)
                self._adapt_in_place(task, n, f"tasks[{i}]")
                loss += self._grad(f"tasks[{i}] query", task[2], task[3])[0]
                for acc, p, t in zip(shift, self.network.parameters(), theta, strict=True):
                    acc += p - t
        finally:
            self.set_params(theta)
        k = len(checked)
        for p, d in zip(self.network.parameters(), shift, strict=True):
            p += self.outer_lr * d / k
        return loss / k
