"""Elastic weight consolidation (EWC, Kirkpatrick et al. 2017) on a float-mode :class:`Network`.

After training on task ``A`` the learner records, for every trainable weight
``w`` (the projections' ``data``, :meth:`Network.parameters`), the anchor
``w*_A`` (the weights then) and the diagonal of the empirical Fisher
information on the task's data::

    F_A = (1 / B) sum_b (d l_b / d w)**2

``l_b`` being the loss of sample ``b`` alone (for cross-entropy, the negative
log-likelihood of its label: the empirical Fisher of the softmax over spike
counts), its gradient the BPTT surrogate gradient (:class:`~.bptt.BPTTLearner`)
from the reset state. The Fisher comes from *gradients on the task's data*,
never from weight magnitudes; samples are the batch elements of ``inputs``
(``(T, B, n_in)``; one backward pass per sample, because BPTT's backward sums
its weight gradient over the batch; this runs once per consolidated task).

Later tasks are trained on ``L(w) + P(w)`` with the quadratic penalty::

    P(w) = (lam / 2) sum_tasks sum_w F_task (w - w*_task)**2
    dP/dw = lam sum_tasks F_task (w - w*_task)

:meth:`EWCLearner.train_step` adds ``dP/dw`` to the task gradient before the
optimiser step; :meth:`EWCLearner.apply_ewc_penalty` applies the penalty alone
as one plain gradient step ``w -= step_size * dP/dw`` (so with a single task
``w - w* -> (1 - step_size lam F) (w - w*)``), for use between steps of any
other learner on the same network. Each :meth:`consolidate_task` adds one
anchor (one penalty term per past task, as in the paper).
"""

from __future__ import annotations

import numpy as np

from .bptt import BPTTLearner
from .network import Network, as_time_batch, check_positive
from .surrogate import Surrogate


class EWCLearner:
    """BPTT with an EWC penalty (module docstring).

    Parameters
    ----------
    network : Network in float mode (trained in place).
    lam : float > 0, the penalty strength ``lambda``.
    loss_fn, lr, optimizer, surrogate, clip : as :class:`~.bptt.BPTTLearner`
        (the task loss and the optimiser of :meth:`train_step`).
    """

    def __init__(
        self,
        network: Network,
        lam: float,
        loss_fn: object = "mse",
        lr: float = 1e-3,
        optimizer: object = "adam",
        surrogate: Surrogate | None = None,
        clip: float | None = None,
    ) -> None:
        self.learner = BPTTLearner(network, loss_fn, lr, optimizer, surrogate, clip)
        self.network = self.learner.network
        self.lam = float(check_positive("lam", lam))
        self.fishers: list[list[np.ndarray]] = []
        self.anchors: list[list[np.ndarray]] = []

    # -- Fisher -------------------------------------------------------------

    def _samples(self, inputs: object, targets: object) -> tuple[np.ndarray, object, int]:
        x, _ = as_time_batch("inputs", inputs, self.network.n_in)
        batch = x.shape[1]
        tg = np.asarray(targets)
        if np.issubdtype(tg.dtype, np.integer) and tg.ndim <= 1:
            if tg.shape != (batch,):
                raise ValueError(
                    f"targets as class labels must have shape (batch,) = ({batch},), "
                    f"not {tg.shape}"
                )
        elif tg.ndim == 3 and tg.shape[1] not in (1, batch):
            raise ValueError(
                f"targets must have batch {batch} (or 1) on axis 1, not shape {tg.shape}"
            )
        return x, tg, batch

    @staticmethod
    def _sample_targets(tg: np.ndarray, b: int) -> np.ndarray:
        if np.issubdtype(tg.dtype, np.integer) and tg.ndim <= 1:
            return tg[b : b + 1]
        if tg.ndim == 3 and tg.shape[1] > 1:
            return tg[:, b : b + 1]
        return tg  # (T, n_out) or (T, 1, n_out): the same for every sample

    def per_sample_gradients(self, inputs: object, targets: object) -> list[np.ndarray]:
        """``d l_b / d data`` of every projection, stacked: arrays ``(B, nnz)``."""
        x, tg, batch = self._samples(inputs, targets)
        out = [np.empty((batch, p.size)) for p in self.network.parameters()]
        for b in range(batch):  # BPTT's backward sums over the batch: one pass per sample
            _, grads = self.learner.gradients(x[:, b : b + 1], self._sample_targets(tg, b))
            for o, g in zip(out, grads, strict=True):
                o[b] = g
        return out

    def fisher(self, inputs: object, targets: object) -> list[np.ndarray]:
        """Diagonal empirical Fisher ``mean_b (d l_b / d w)**2`` at the current weights."""
        return [np.mean(g * g, axis=0) for g in self.per_sample_gradients(inputs, targets)]

    def consolidate_task(self, inputs: object, targets: object) -> list[np.ndarray]:
        """Record ``F`` on the task's data and the anchor ``w*`` (current weights); return ``F``."""
        f = self.fisher(inputs, targets)
        self.fishers.append(f)
        self.anchors.append([p.copy() for p in self.network.parameters()])
        return f

    # -- penalty ------------------------------------------------------------

    def _check_anchors(self) -> None:
        for k, anchor in enumerate(self.anchors):
            for i, (a, p) in enumerate(zip(anchor, self.network.parameters(), strict=True)):
                if a.shape != p.shape:
                    raise ValueError(
                        f"projection {i} changed shape since task {k} was consolidated "
                        f"({a.shape} -> {p.shape}); EWC needs fixed connectivity"
                    )

    def penalty(self) -> float:
        """``P(w) = (lam / 2) sum_tasks sum F (w - w*)**2`` (0 before any consolidation)."""
        self._check_anchors()
        total = 0.0
        for f, anchor in zip(self.fishers, self.anchors, strict=True):
            for fi, a, p in zip(f, anchor, self.network.parameters(), strict=True):
                total += float(np.sum(fi * (p - a) ** 2))
        return 0.5 * self.lam * total

    def penalty_gradients(self) -> list[np.ndarray]:
        """``dP/dw = lam sum_tasks F (w - w*)``, one array per projection."""
        self._check_anchors()
        grads = [np.zeros_like(p) for p in self.network.parameters()]
        for f, anchor in zip(self.fishers, self.anchors, strict=True):
            for g, fi, a, p in zip(grads, f, anchor, self.network.parameters(), strict=True):
                g += self.lam * fi * (p - a)
        return grads

    def apply_ewc_penalty(self, step_size: float) -> None:
        """One plain gradient step on the penalty alone: ``w -= step_size * dP/dw``."""
        step = float(check_positive("step_size", step_size))
        for p, g in zip(self.network.parameters(), self.penalty_gradients(), strict=True):
            p -= step * g

    # -- training -------------------------------------------------------------

    def gradients(self, inputs: object, targets: object) -> tuple[float, list[np.ndarray]]:
        """Task loss (without the penalty) and ``d (L + P) / d data`` per projection."""
        loss, grads = self.learner.gradients(inputs, targets)
        return loss, [g + q for g, q in zip(grads, self.penalty_gradients(), strict=True)]

    def train_step(self, inputs: object, targets: object) -> float:
        """One optimiser step on ``L + P``; returns the task loss before the update."""
        loss, grads = self.gradients(inputs, targets)
        clip = self.learner.clip
        if clip is not None:
            norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
            if norm > clip:
                grads = [g * (clip / norm) for g in grads]
        self.learner.optimizer.step(self.network.parameters(), grads)
        return loss

    def predict(self, inputs: object) -> np.ndarray:
        """Output spikes of the forward model (as :meth:`BPTTLearner.predict`)."""
        return self.learner.predict(inputs)
