"""Write tests/data/norse_lifbox.nir (and its reference run) from a real Norse network.

Needs torch and Norse, which the project does not depend on::

    .venv/bin/pip install torch norse nirtorch    # CPU wheels are enough
    .venv/bin/python scripts/make_norse_nir.py

The network: ``torch.nn.Linear(16, 4, bias=False)`` followed by
``norse.torch.LIFBoxCell`` (``tau_mem_inv`` 50 /s, i.e. tau = 20 ms,
threshold 1, reset to 0), stepped with Norse's default ``dt = 1e-3`` and
exported with ``norse.torch.utils.export_nir.to_nir`` (a ``Linear`` without
bias becomes an ``Affine`` with bias 0). Weights: a seeded generator (uniform
in [-0.2, 1.4]). ``norse_lifbox_run.npz`` holds an input (``rates``, ``(T, 16)``,
T = 60) and the spikes Norse's forward pass produced (``spikes``, ``(T, 4)``),
so the tests can compare our import with Norse without torch.
"""

from __future__ import annotations

from pathlib import Path

import nir
import norse.torch as norse
import numpy as np
import torch
from norse.torch.utils.export_nir import to_nir

OUT = Path(__file__).resolve().parent.parent / "tests" / "data"
N_IN, N_OUT, T, DT = 16, 4, 60, 1e-3


def main() -> None:
    rng = np.random.default_rng(2027)
    lin = torch.nn.Linear(N_IN, N_OUT, bias=False)
    with torch.no_grad():
        lin.weight[:] = torch.tensor(rng.uniform(-0.2, 1.4, (N_OUT, N_IN)), dtype=torch.float32)
    params = norse.LIFBoxParameters(tau_mem_inv=torch.full((N_OUT,), 50.0),
                                    v_th=torch.ones(N_OUT), v_leak=torch.zeros(N_OUT),
                                    v_reset=torch.zeros(N_OUT))
    cell = norse.LIFBoxCell(params, dt=DT)
    graph = to_nir(norse.SequentialState(lin, cell), torch.rand(N_IN), dt=DT)
    nir.write(OUT / "norse_lifbox.nir", graph)

    rates = rng.random((T, N_IN))
    state = None
    spikes = []
    with torch.no_grad():
        for t in range(T):
            z, state = cell(lin(torch.tensor(rates[t], dtype=torch.float32)), state)
            spikes.append(z.numpy().copy())
    np.savez(OUT / "norse_lifbox_run.npz", rates=rates, spikes=np.array(spikes))
    print(f"wrote {OUT / 'norse_lifbox.nir'}: nodes {sorted(graph.nodes)}, edges {graph.edges}; "
          f"{int(np.sum(spikes))} reference spikes")
    for k, n in graph.nodes.items():
        print(k, type(n).__name__, {a: np.asarray(getattr(n, a)).ravel()[:2] for a in
                                    ("tau", "r", "v_threshold", "v_leak", "v_reset", "bias")
                                    if hasattr(n, a)})


if __name__ == "__main__":
    main()
