"""E-prop: online eligibility-propagation learning on a float-mode :class:`Network`.

E-prop (Bellec et al. 2020, "A solution to the learning dilemma for recurrent
networks of spiking neurons", Nat. Commun. 11:3625) replaces back-propagation
through time by a product of two *forward-in-time* quantities per synapse
``j <- i`` (target ``j``, source ``i``): an eligibility trace, local to the
synapse, and a learning signal broadcast to neuron ``j``.

Model (float mode of :mod:`.network`, ``reset="subtract"``)
    ``m_j[t] = beta_j m_j[t-1] + I_j[t] - theta s_j[t-1]``, ``s_j[t] = H(m_j[t] - theta)``,
    ``I_j[t] = sum_i W_ji pre_i[t]`` where ``pre_i[t]`` is the input ``x_i[t]``,
    the source's ``s_i[t]`` (feed-forward) or ``s_i[t-1]`` (recurrent/feedback).
    ``dt`` and every time constant share one time unit; ``beta = exp(-dt/tau)``.
Eligibility (per synapse, per batch sample; the reset path is not differentiated,
as in Bellec et al.)
    ``zbar_i[t] = beta_j zbar_i[t-1] + pre_i[t]`` (``zbar[-1] = 0``): the presynaptic
    activity low-pass filtered with the *target's* membrane decay, i.e.
    ``zbar_i[t] = sum_{t' <= t} beta_j**(t - t') pre_i[t']``;
    ``psi_j[t] = surrogate.grad(m_j[t] - theta)``: the pseudo-derivative;
    ``e_ji[t] = psi_j[t] zbar_i[t]``;
    ``ebar_ji[t] = kappa ebar_ji[t-1] + e_ji[t]``: filtered with the output's decay
    ``kappa = exp(-dt / tau_out)``.
Learning signal
    Output error of step ``t`` (``n_out`` output neurons, loss ``E``):
    ``delta_k[t] = dE/ds_k[t] psi_k[t]``; for the mean squared error on the
    output spikes, ``dE/ds_k[t] = 2 (s_k[t] - y*_k[t]) / (T batch n_out)``.
    Hidden neuron ``j``: ``L_j[t] = sum_k B_jk delta_k[t]`` with ``B = W_out^T``
    (``feedback="symmetric"``: the current hidden->output weights) or a fixed
    random Gaussian matrix (``feedback="random"``, standard deviation
    ``1 / sqrt(n_out)``, drawn once from ``rng``).
Gradient estimate
    Hidden synapse: ``dE/dW_ji ~ sum_t sum_batch L_j[t] ebar_ji[t]``;
    output synapse: ``dE/dW_ki ~ sum_t sum_batch delta_k[t] zbar_i[t]`` (exact
    up to the reset path). Accumulated step by step: nothing of the past is
    stored but ``zbar`` ``(batch, n_source)`` and ``ebar`` ``(batch, n_target,
    n_source)`` per hidden projection. With a one-step sequence, no recurrent
    projection and symmetric feedback this is the exact gradient (the
    surrogate's, or the true one of the smooth model with
    :class:`~.surrogate.SmoothSigmoid`). The weights are updated by the
    optimiser once per sequence (as in Bellec et al.), or every ``update_every``
    steps.

Supported networks: float mode, every population ``reset="subtract"`` with one
``tau`` (and ``dt``) for all its neurons; the output population is
:attr:`Network.output`; with symmetric feedback every other population must
have a feed-forward projection onto the output (learning signal through it).
"""

from __future__ import annotations

import numpy as np

from .._validate import check_choice, check_finite, check_int
from .bptt import check_float_network
from .network import INPUT, Network, Population, as_time_batch, check_positive, float_membrane
from .optim import get_optimizer
from .surrogate import FastSigmoid, Surrogate

FEEDBACKS = ("symmetric", "random")


def _decay(name: str, tau: object, dt: object) -> float:
    t = float(check_positive(name, tau))
    d = float(check_positive("dt", dt))
    return float(np.exp(-d / t))


class EligibilityTrace:
    """Eligibility traces of one projection ``n_pre -> n_post`` (module docstring), online.

    Parameters
    ----------
    tau_e : float > 0
        Time constant of the presynaptic trace ``zbar`` (the target neurons'
        membrane time constant in e-prop); decay ``alpha = exp(-dt / tau_e)``.
    dt : float > 0
        Time step, same unit as ``tau_e``.
    tau_out : float > 0 or None
        Time constant of the learning-signal filter (the output neurons'
        membrane); ``kappa = exp(-dt / tau_out)``. None: no filter (``ebar = e``).

    :meth:`update` takes one step's presynaptic activity ``pre`` ``(batch, n_pre)``
    (or ``(n_pre,)``), the postsynaptic pseudo-derivative ``post = psi``
    ``(batch, n_post)`` and the learning signal ``error = L`` ``(batch, n_post)``,
    and returns ``dW[n_post, n_pre] = sum_batch L_j ebar_ji``: this step's term of
    the e-prop estimate of ``dE/dW`` (descend with ``W -= lr * dW``). State:
    ``zbar`` ``(batch, n_pre)`` and ``ebar`` ``(batch, n_post, n_pre)``, zero
    after :meth:`reset`; the first :meth:`update` fixes ``batch``, ``n_pre``, ``n_post``.
    """

    def __init__(self, tau_e: float, dt: float = 1.0, tau_out: float | None = None) -> None:
        self.alpha = _decay("tau_e", tau_e, dt)
        self.kappa = 0.0 if tau_out is None else _decay("tau_out", tau_out, dt)
        self.tau_e, self.dt = float(tau_e), float(dt)
        self.reset()

    @classmethod
    def from_decays(cls, alpha: float, kappa: float = 0.0) -> EligibilityTrace:
        """A trace with the decays ``alpha`` in (0, 1) and ``kappa`` in [0, 1) given directly."""
        if not 0.0 < float(alpha) < 1.0:
            raise ValueError(f"alpha must be in (0, 1), not {alpha!r}")
        if not 0.0 <= float(kappa) < 1.0:
            raise ValueError(f"kappa must be in [0, 1), not {kappa!r}")
        tr = cls(1.0, 1.0)
        tr.alpha, tr.kappa = float(alpha), float(kappa)
        tr.tau_e = -1.0 / float(np.log(alpha))
        return tr

    def reset(self) -> None:
        """Forget the history (``zbar = ebar = 0``; shapes are fixed again by the next update)."""
        self.zbar: np.ndarray | None = None
        self.ebar: np.ndarray | None = None

    @staticmethod
    def _as2d(name: str, value: object) -> np.ndarray:
        a = np.asarray(value, dtype=np.float64)
        if a.ndim == 1:
            a = a[None]
        if a.ndim != 2 or 0 in a.shape:
            raise ValueError(
                f"{name} must have shape (n,) or (batch, n) with n >= 1, not {a.shape}"
            )
        if not np.isfinite(a).all():
            raise ValueError(f"{name} must be finite")
        return a

    def update(self, pre: object, post: object, error: object) -> np.ndarray:
        """One step: update ``zbar``, ``ebar`` and return ``dW = sum_batch L ebar`` (class doc)."""
        x = self._as2d("pre", pre)
        psi = self._as2d("post", post)
        err = self._as2d("error", error)
        if psi.shape != err.shape:
            raise ValueError(f"post {psi.shape} and error {err.shape} must have the same shape")
        if x.shape[0] != psi.shape[0]:
            raise ValueError(f"pre batch {x.shape[0]} and post batch {psi.shape[0]} differ")
        shape = (x.shape[0], psi.shape[1], x.shape[1])
        if self.zbar is None or self.ebar is None:
            self.zbar = np.zeros(x.shape)
            self.ebar = np.zeros(shape)
        elif self.ebar.shape != shape:
            raise ValueError(
                f"(batch, n_post, n_pre) = {shape} differs from the traces' {self.ebar.shape}; "
                f"call reset() first"
            )
        self.zbar = self.alpha * self.zbar + x
        self.ebar = self.kappa * self.ebar + psi[:, :, None] * self.zbar[:, None, :]
        return np.einsum("bj,bji->ji", err, self.ebar)


def _uniform(pop: Population, what: str) -> float:
    arr = np.asarray(getattr(pop, what), dtype=np.float64)
    if arr.size > 1 and not np.all(arr == arr.flat[0]):
        raise ValueError(
            f"e-prop needs one {what} per population; population {pop.name!r} has several"
        )
    return float(arr.flat[0])


class EPropLearner:
    """Online e-prop (module docstring) on a float-mode network, MSE loss on the output spikes.

    Parameters
    ----------
    network : Network (float mode, subtract reset; its ``data`` arrays are trained in place).
    lr : float > 0, learning rate of the optimiser.
    feedback : ``"symmetric"`` (``B = W_out^T``) or ``"random"`` (fixed Gaussian ``B``).
    optimizer : ``"adam"`` (default), ``"sgd"`` or an :class:`~.optim.Optimizer`.
    surrogate : pseudo-derivative; default ``FastSigmoid(10)`` (as :class:`.bptt.BPTTLearner`).
    rng : Generator or seed for the random feedback matrices.
    update_every : int >= 1 or None: apply the accumulated gradient every so many
        steps (None: once at the end of each sequence).
    """

    def __init__(
        self,
        network: Network,
        lr: float = 1e-3,
        feedback: str = "symmetric",
        optimizer: object = "adam",
        surrogate: Surrogate | None = None,
        rng: np.random.Generator | int | None = None,
        update_every: int | None = None,
    ) -> None:
        self.network = net = check_float_network(network)
        self.feedback = str(check_choice("feedback", feedback, FEEDBACKS))
        self.optimizer = get_optimizer(optimizer, lr)
        self.surrogate = FastSigmoid() if surrogate is None else surrogate
        if not isinstance(self.surrogate, Surrogate):
            raise TypeError(f"surrogate must be a Surrogate, not {surrogate!r}")
        self.update_every = (
            None if update_every is None else check_int("update_every", update_every, 1)
        )
        self.out = net.output
        for name, pop in net.populations.items():
            if pop.reset != "subtract":
                raise ValueError(f"e-prop needs reset='subtract'; population {name!r} has 'zero'")
            _uniform(pop, "beta")
        self.kappa = _uniform(net.populations[self.out], "beta")
        n_out = net.populations[self.out].n
        rng = np.random.default_rng(rng)
        self.B: dict[str, np.ndarray] = {}
        self.readout: dict[str, int] = {}
        for name, pop in net.populations.items():
            if name == self.out:
                continue
            if self.feedback == "random":
                self.B[name] = rng.normal(0.0, 1.0 / np.sqrt(n_out), (pop.n, n_out))
                continue
            ff = [
                j
                for j, p in enumerate(net.projections)
                if p.source == name and p.target == self.out and not net.delayed(p)
            ]
            if len(ff) != 1:
                raise ValueError(
                    f"symmetric feedback needs exactly one feed-forward projection "
                    f"{name!r} -> {self.out!r} (found {len(ff)}); use feedback='random'"
                )
            self.readout[name] = ff[0]

    # -- feedback -------------------------------------------------------------

    def feedback_matrix(self, name: str) -> np.ndarray:
        """``B`` of hidden population ``name``, shape ``(n_hidden, n_out)``."""
        if name in self.readout:
            return self.network.projections[self.readout[name]].to_dense().T
        return self.B[name]

    # -- the online pass ------------------------------------------------------------

    def _prepare(self, inputs: object, targets: object) -> tuple[np.ndarray, np.ndarray]:
        x, _ = as_time_batch("inputs", inputs, self.network.n_in)
        t_steps, batch, _ = x.shape
        n_out = self.network.populations[self.out].n
        y = np.asarray(targets, dtype=np.float64)
        if y.ndim == 2:
            y = y[:, None, :]
        if (
            y.ndim != 3
            or y.shape[0] != t_steps
            or y.shape[2] != n_out
            or y.shape[1]
            not in (
                1,
                batch,
            )
        ):
            raise ValueError(
                f"targets must have shape (T, n_out) = ({t_steps}, {n_out}) or "
                f"(T, batch, n_out) = ({t_steps}, {batch}, {n_out}), not {np.shape(targets)}"
            )
        check_finite("targets", y)
        return x, np.broadcast_to(y, (t_steps, batch, n_out))

    def _run(self, x: np.ndarray, y: np.ndarray, apply: bool) -> tuple[float, list[np.ndarray]]:
        net = self.network
        t_steps, batch, _ = x.shape
        n_out = net.populations[self.out].n
        net.reset_all(batch)
        norm = 2.0 / (t_steps * batch * n_out)
        projs = net.projections
        traces = [
            EligibilityTrace.from_decays(
                _uniform(net.populations[p.target], "beta"),
                0.0 if p.target == self.out else self.kappa,
            )
            for p in projs
        ]
        grads = [np.zeros((p.n_target, p.n_source)) for p in projs]
        pending = 0
        sq_err = 0.0
        for t in range(t_steps):
            prev = {k: pop.spikes for k, pop in net.populations.items()}
            now = self._step(x[t], prev)
            pre_of = [
                x[t] if p.source == INPUT else (prev[p.source] if net.delayed(p) else now[p.source])
                for p in projs
            ]
            psi = {
                k: self.surrogate.grad(pop.v - pop.threshold) for k, pop in net.populations.items()
            }
            d = now[self.out] - y[t]
            sq_err += float(np.sum(d * d))
            delta = norm * d * psi[self.out]
            signal = {
                k: delta @ self.feedback_matrix(k).T for k in net.populations if k != self.out
            }
            for j, p in enumerate(projs):
                if p.target == self.out:
                    tr = traces[j]
                    tr.zbar = (0.0 if tr.zbar is None else tr.alpha * tr.zbar) + pre_of[j]
                    grads[j] += delta.T @ tr.zbar
                else:
                    grads[j] += traces[j].update(pre_of[j], psi[p.target], signal[p.target])
            pending += 1
            if apply and self.update_every is not None and pending == self.update_every:
                self._apply(grads)
                grads = [np.zeros_like(g) for g in grads]
                pending = 0
        data_grads = [p.dense_to_data(g) for p, g in zip(projs, grads, strict=True)]
        if apply and pending:
            self._apply(grads)
        return sq_err / (t_steps * batch * n_out), data_grads

    def _step(self, x: np.ndarray, prev: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """One step of every population with ``surrogate.forward`` as the spike function.

        With the Heaviside forward of :class:`FastSigmoid` this is :meth:`Network.step`.
        """
        net = self.network
        now: dict[str, np.ndarray] = {INPUT: x}
        for name, pop in net.populations.items():
            cur = np.zeros(pop.shape)
            for p in net.incoming(name):
                cur = cur + p.propagate(prev[p.source] if net.delayed(p) else now[p.source])
            pop.v = float_membrane(pop.v, pop.spikes, cur, pop.beta, pop.threshold, "subtract")
            pop.spikes = self.surrogate.forward(pop.v - pop.threshold)
            now[name] = pop.spikes
        del now[INPUT]
        return now

    def _apply(self, grads: list[np.ndarray]) -> None:
        net = self.network
        data = [p.dense_to_data(g) for p, g in zip(net.projections, grads, strict=True)]
        self.optimizer.step(net.parameters(), data)

    def gradients(self, inputs: object, targets: object) -> tuple[float, list[np.ndarray]]:
        """MSE loss and the e-prop estimate of ``dloss/d data`` per projection (no update).

        ``inputs`` ``(T, [batch,] n_in)``, ``targets`` ``(T, [batch,] n_out)`` target spikes.
        """
        x, y = self._prepare(inputs, targets)
        loss, grads = self._run(x, y, apply=False)
        return loss, grads

    def train_step(self, inputs: object, targets: object) -> float:
        """Run the sequence online from reset, updating the weights; returns its MSE loss."""
        x, y = self._prepare(inputs, targets)
        return self._run(x, y, apply=True)[0]

    def predict(self, inputs: object) -> np.ndarray:
        """Output spikes ``(T, [batch,] n_out)`` of the forward model (from reset; no learning)."""
        x, had_batch = as_time_batch("inputs", inputs, self.network.n_in)
        self.network.reset_all(x.shape[1])
        prev = {k: pop.spikes for k, pop in self.network.populations.items()}
        out = []
        for t in range(x.shape[0]):
            now = self._step(x[t], prev)
            out.append(now[self.out])
            prev = now
        s = np.stack(out)
        return s if had_batch else s[:, 0]
