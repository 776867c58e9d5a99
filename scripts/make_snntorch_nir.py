"""Write tests/data/snntorch_leaky.nir (and its reference run) from a real snnTorch network.

Needs torch and snnTorch, which the project does not depend on::

    .venv/bin/pip install torch snntorch nirtorch    # CPU wheels are enough
    .venv/bin/python scripts/make_snntorch_nir.py

The network is what an snnTorch user writes for a one-layer classifier that
the SC core can hold: ``torch.nn.Linear(16, 4, bias=False)`` followed by
``snn.Leaky`` (``beta`` 0.9 per neuron, threshold 1, ``reset_mechanism="zero"``),
exported with ``snntorch.export_nir.export_to_nir`` and written with
``nir.write``. The weights are drawn from a seeded generator (uniform in
[-0.15, 0.45]) so that the file is reproducible without training. Alongside,
``snntorch_leaky_run.npz`` holds an input (``rates`` in [0, 1], shape
``(T, 16)``, T = 40) and the spikes snnTorch's own forward pass produced for it
(``spikes``, ``(T, 4)``), so that the tests can compare our import with
snnTorch without torch. ``snntorch_leaky_bias.nir`` (and its run) is the same
with ``torch.nn.Linear``'s default ``bias=True`` (biases uniform in [-0.3, 0.3]),
written as an ``Affine`` node: imported with ``from_nir(..., bias="input")``.
"""

from __future__ import annotations

from pathlib import Path

import nir
import numpy as np
import snntorch as snn
import torch
from snntorch.export_nir import export_to_nir

OUT = Path(__file__).resolve().parent.parent / "tests" / "data"
N_IN, N_OUT, T = 16, 4, 40


def write(stem: str, seed: int, bias: bool) -> None:
    """``{stem}.nir`` and ``{stem}_run.npz`` of the network (with ``nn.Linear`` bias or not)."""
    rng = np.random.default_rng(seed)
    lin = torch.nn.Linear(N_IN, N_OUT, bias=bias)
    with torch.no_grad():
        lin.weight[:] = torch.tensor(rng.uniform(-0.15, 0.45, (N_OUT, N_IN)), dtype=torch.float32)
        if bias:
            lin.bias[:] = torch.tensor(rng.uniform(-0.3, 0.3, N_OUT), dtype=torch.float32)
    lif = snn.Leaky(beta=torch.full((N_OUT,), 0.9), threshold=torch.ones(N_OUT),
                    reset_mechanism="zero", init_hidden=True, output=True)
    net = torch.nn.Sequential(lin, lif)
    graph = export_to_nir(net, torch.rand(N_IN))
    nir.write(OUT / f"{stem}.nir", graph)

    rates = rng.random((T, N_IN))
    lif.reset_hidden()
    spikes = []
    with torch.no_grad():
        for t in range(T):
            spk, _ = net(torch.tensor(rates[t], dtype=torch.float32))
            spikes.append(spk.numpy().copy())
    np.savez(OUT / f"{stem}_run.npz", rates=rates, spikes=np.array(spikes))
    print(f"wrote {OUT / stem}.nir: nodes {sorted(graph.nodes)}, edges {graph.edges}; "
          f"{int(np.sum(spikes))} reference spikes")


def main() -> None:
    write("snntorch_leaky", 2026, bias=False)
    write("snntorch_leaky_bias", 2028, bias=True)  # torch.nn.Linear's default: an Affine node


if __name__ == "__main__":
    main()
