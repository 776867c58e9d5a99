"""NIR in and out (sc_model.learning.nir_io): NIR's own equations, round trips, clear refusals.

The reference simulations below are written from the equations in the ``nir``
package's node docstrings (LIF: ``tau dv/dt = (v_leak - v) + R I``, spike
``v > v_threshold``, ``v = v_reset`` after a spike; IF: ``dv/dt = R I``), stepped
by Euler (or the exact solution for an input held over a step), node by
node, without any code of sc_model.
"""

from __future__ import annotations

from pathlib import Path

import nir
import numpy as np
import pytest

from sc_model.learning.network import INPUT, Network
from sc_model.learning.nir_io import from_nir, to_nir, with_bias_input

DT = 1e-3
N_IN, N_LIF, N_IF, T = 5, 6, 3, 300


def params(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "w1": rng.normal(0.8, 0.6, (N_LIF, N_IN)),
        "wrec": rng.normal(0.0, 0.3, (N_LIF, N_LIF)),
        "w2": rng.normal(0.3, 0.5, (N_IF, N_LIF)),
        "tau": rng.uniform(5e-3, 3e-2, N_LIF),
        "r": rng.uniform(0.5, 3.0, N_LIF),
        "thr": rng.uniform(0.5, 1.5, N_LIF),
        "r_if": rng.uniform(100.0, 400.0, N_IF),
        "thr_if": rng.uniform(0.5, 2.0, N_IF),
    }


def graph(p: dict[str, np.ndarray], nested: bool = False) -> nir.NIRGraph:
    """input -> aff (Affine, bias 0) -> lif (recurrent through w_rec) -> w2 -> if -> output."""
    lif = nir.LIF(tau=p["tau"], r=p["r"], v_leak=np.zeros(N_LIF), v_threshold=p["thr"],
                  v_reset=np.zeros(N_LIF))
    nodes = {
        "input": nir.Input(input_type={"input": np.array([N_IN])}),
        "aff": nir.Affine(weight=p["w1"], bias=np.zeros(N_LIF)),
        "w2": nir.Linear(weight=p["w2"]),
        "if": nir.IF(r=p["r_if"], v_threshold=p["thr_if"], v_reset=np.zeros(N_IF)),
        "output": nir.Output(output_type={"output": np.array([N_IF])}),
    }
    if nested:  # as snnTorch exports an RLeaky: a subgraph input -> lif <-> w_rec -> output
        nodes["rlif"] = nir.NIRGraph(
            nodes={
                "input": nir.Input(input_type={"input": np.array([N_LIF])}),
                "lif": lif,
                "w_rec": nir.Linear(weight=p["wrec"]),
                "output": nir.Output(output_type={"output": np.array([N_LIF])}),
            },
            edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")],
        )
        mid = "rlif"
    else:
        nodes["lif"] = lif
        nodes["w_rec"] = nir.Linear(weight=p["wrec"])
        mid = "lif"
    edges = [("input", "aff"), ("aff", mid), (mid, "w2"), ("w2", "if"), ("if", "output")]
    if not nested:
        edges += [("lif", "w_rec"), ("w_rec", "lif")]
    return nir.NIRGraph(nodes=nodes, edges=edges)


def reference(p: dict[str, np.ndarray], x: np.ndarray, dt: float, exact: bool = False):
    """NIR's equations stepped by ``dt``; spikes and pre-reset membranes of lif and if.

    The recurrent edge carries the lif spikes of the previous step (a loop in
    the graph must be cut somewhere to be stepped).
    """
    v_lif, z_lif = np.zeros(N_LIF), np.zeros(N_LIF)
    v_if = np.zeros(N_IF)
    out = {"lif_z": [], "lif_v": [], "if_z": [], "if_v": []}
    for t in range(x.shape[0]):
        current = p["w1"] @ x[t] + p["wrec"] @ z_lif  # Affine (bias 0) + recurrent Linear
        if exact:  # v_leak = 0: v -> R I + (v - R I) exp(-dt/tau)
            drive = p["r"] * current
            v_lif = drive + (v_lif - drive) * np.exp(-dt / p["tau"])
        else:
            v_lif = v_lif + dt / p["tau"] * ((0.0 - v_lif) + p["r"] * current)
        out["lif_v"].append(v_lif.copy())
        z_lif = (v_lif > p["thr"]).astype(float)
        v_lif = np.where(z_lif > 0, 0.0, v_lif)  # v_reset = 0
        v_if = v_if + dt * p["r_if"] * (p["w2"] @ z_lif)
        out["if_v"].append(v_if.copy())
        z_if = (v_if > p["thr_if"]).astype(float)
        v_if = np.where(z_if > 0, 0.0, v_if)
        out["lif_z"].append(z_lif)
        out["if_z"].append(z_if)
    return {k: np.array(v) for k, v in out.items()}


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("nested", [False, True])
@pytest.mark.parametrize("method", ["euler", "exact"])
def test_float_network_equals_reference_simulation_of_nir_equations(
    seed: int, nested: bool, method: str
) -> None:
    p = params(seed)
    x = (np.random.default_rng(100 + seed).random((T, N_IN)) < 0.3).astype(float)
    ref = reference(p, x, DT, exact=method == "exact")
    net = from_nir(graph(p, nested), dt=DT, method=method)
    lif = "rlif.lif" if nested else "lif"
    assert list(net.populations) == [lif, "if"] and net.output == "if"
    rec = net.run(x)
    info = f"seed={seed} nested={nested} method={method}"
    np.testing.assert_array_equal(rec.spikes[lif], ref["lif_z"], err_msg=info)
    np.testing.assert_array_equal(rec.spikes["if"], ref["if_z"], err_msg=info)
    assert ref["lif_z"].sum() > 50 and ref["if_z"].sum() > 10, info  # not silent
    # membranes: the population's u = v / g, g = (1 - beta) r (IF: dt r)
    beta = 1 - DT / p["tau"] if method == "euler" else np.exp(-DT / p["tau"])
    np.testing.assert_allclose(rec.voltages[lif] * (1 - beta) * p["r"], ref["lif_v"],
                               rtol=1e-9, atol=1e-12, err_msg=info)
    np.testing.assert_allclose(rec.voltages["if"] * DT * p["r_if"], ref["if_v"],
                               rtol=1e-9, atol=1e-12, err_msg=info)


# --- current-based neurons (CubaLIF) and non-spiking readouts (LI, I, CubaLI) -------------
#
# NIR's equations (node docstrings of the nir package):
#   CubaLIF: tau_syn dJ/dt = -J + w_in S,  tau_mem dv/dt = (v_leak - v) + R J,
#            z = v > v_threshold, v = v_reset where z (J is not reset)
#   CubaLI:  the same two equations, no threshold; the output is v
#   LI:      tau dv/dt = (v_leak - v) + R I, the output is v
#   I:       dv/dt = R I, the output is v
# Euler step (the current first, then the membrane with the new current, as
# snnTorch's Synaptic steps); LI and I also with the exact solution for an input
# held over the step.

READOUTS = ("if", "li", "i", "cubali")


def cuba_params(seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = params(seed)
    p.update({
        "tau_syn": rng.uniform(2e-3, 1e-2, N_LIF),
        "tau_mem": rng.uniform(5e-3, 3e-2, N_LIF),
        "w_in": rng.uniform(0.5, 2.0, N_LIF),
        "r": rng.uniform(1.0, 4.0, N_LIF),
        "tau_out": rng.uniform(5e-3, 2e-2, N_IF),
        "tau_syn_out": rng.uniform(2e-3, 8e-3, N_IF),
        "r_out": rng.uniform(0.5, 2.0, N_IF),
        "w_in_out": rng.uniform(0.5, 2.0, N_IF),
    })
    return p


def readout_node(p: dict[str, np.ndarray], kind: str) -> nir.NIRNode:
    z = np.zeros(N_IF)
    if kind == "if":
        return nir.IF(r=p["r_if"], v_threshold=p["thr_if"], v_reset=z)
    if kind == "li":
        return nir.LI(tau=p["tau_out"], r=p["r_out"], v_leak=z)
    if kind == "i":
        return nir.I(r=p["r_if"])
    return nir.CubaLI(tau_syn=p["tau_syn_out"], tau_mem=p["tau_out"], r=p["r_out"], v_leak=z,
                      w_in=p["w_in_out"])


def cuba_graph(p: dict[str, np.ndarray], hidden: str, readout: str) -> nir.NIRGraph:
    """input -> aff -> hid (LIF or CubaLIF, recurrent through w_rec) -> w2 -> out -> output."""
    z = np.zeros(N_LIF)
    if hidden == "cubalif":
        hid = nir.CubaLIF(tau_syn=p["tau_syn"], tau_mem=p["tau_mem"], r=p["r"], v_leak=z,
                          v_threshold=p["thr"], v_reset=z.copy(), w_in=p["w_in"])
    else:
        hid = nir.LIF(tau=p["tau"], r=p["r"], v_leak=z, v_threshold=p["thr"], v_reset=z.copy())
    nodes = {
        "input": nir.Input(input_type={"input": np.array([N_IN])}),
        "aff": nir.Affine(weight=p["w1"], bias=np.zeros(N_LIF)),
        "hid": hid,
        "w_rec": nir.Linear(weight=p["wrec"]),
        "w2": nir.Linear(weight=p["w2"]),
        "out": readout_node(p, readout),
        "output": nir.Output(output_type={"output": np.array([N_IF])}),
    }
    edges = [("input", "aff"), ("aff", "hid"), ("hid", "w_rec"), ("w_rec", "hid"),
             ("hid", "w2"), ("w2", "out"), ("out", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges)


def reference_cuba(p: dict[str, np.ndarray], hidden: str, readout: str, x: np.ndarray,
                   dt: float, exact: bool = False) -> dict[str, np.ndarray]:
    """NIR's equations of cuba_graph stepped by dt: hidden spikes and v, readout output."""
    v, j, z = np.zeros(N_LIF), np.zeros(N_LIF), np.zeros(N_LIF)
    vo, jo = np.zeros(N_IF), np.zeros(N_IF)
    out: dict[str, list[np.ndarray]] = {"hid_z": [], "hid_v": [], "out": []}
    for t in range(x.shape[0]):
        current = p["w1"] @ x[t] + p["wrec"] @ z
        if hidden == "cubalif":
            j = j + dt / p["tau_syn"] * (-j + p["w_in"] * current)
            v = v + dt / p["tau_mem"] * ((0.0 - v) + p["r"] * j)
        elif exact:
            v = p["r"] * current + (v - p["r"] * current) * np.exp(-dt / p["tau"])
        else:
            v = v + dt / p["tau"] * ((0.0 - v) + p["r"] * current)
        out["hid_v"].append(v.copy())
        z = (v > p["thr"]).astype(float)
        v = np.where(z > 0, 0.0, v)
        out["hid_z"].append(z)
        cur2 = p["w2"] @ z
        if readout == "if":
            vo = vo + dt * p["r_if"] * cur2
            zo = (vo > p["thr_if"]).astype(float)
            vo = np.where(zo > 0, 0.0, vo)
            out["out"].append(zo)
            continue
        if readout == "i":
            vo = vo + dt * p["r_if"] * cur2
        elif readout == "li" and exact:
            vo = p["r_out"] * cur2 + (vo - p["r_out"] * cur2) * np.exp(-dt / p["tau_out"])
        elif readout == "li":
            vo = vo + dt / p["tau_out"] * ((0.0 - vo) + p["r_out"] * cur2)
        else:  # cubali
            jo = jo + dt / p["tau_syn_out"] * (-jo + p["w_in_out"] * cur2)
            vo = vo + dt / p["tau_out"] * ((0.0 - vo) + p["r_out"] * jo)
        out["out"].append(vo.copy())
    return {k: np.array(val) for k, val in out.items()}


CUBA_CASES = [(h, r, "euler") for h in ("cubalif", "lif") for r in READOUTS] + [
    ("lif", "li", "exact"), ("lif", "i", "exact")]


@pytest.mark.parametrize("hidden,readout,method", CUBA_CASES)
@pytest.mark.parametrize("seed", [0, 1])
def test_cubalif_and_readouts_equal_reference_simulation_of_nir_equations(
    seed: int, hidden: str, readout: str, method: str
) -> None:
    p = cuba_params(seed)
    x = (np.random.default_rng(200 + seed).random((T, N_IN)) < 0.3).astype(float)
    info = f"seed={seed} hidden={hidden} readout={readout} method={method}"
    ref = reference_cuba(p, hidden, readout, x, DT, exact=method == "exact")
    net = from_nir(cuba_graph(p, hidden, readout), dt=DT, method=method)
    assert list(net.populations) == ["hid", "out"] and net.output == "out", info
    rec = net.run(x)
    np.testing.assert_array_equal(rec.spikes["hid"], ref["hid_z"], err_msg=info)
    assert 50 < ref["hid_z"].sum() < 0.8 * ref["hid_z"].size, info  # neither silent nor saturated
    # the spiking membrane is u = v / g
    if hidden == "cubalif":
        g = DT / p["tau_mem"] * p["r"] * DT / p["tau_syn"] * p["w_in"]
    else:
        beta = 1 - DT / p["tau"] if method == "euler" else np.exp(-DT / p["tau"])
        g = (1 - beta) * p["r"]
    np.testing.assert_allclose(rec.voltages["hid"] * g, ref["hid_v"], rtol=1e-9, atol=1e-12,
                               err_msg=info)
    if readout == "if":
        np.testing.assert_array_equal(rec.spikes["out"], ref["out"], err_msg=info)
        assert ref["out"].sum() > 10, info
    else:  # a readout's output (and membrane) is NIR's v itself
        np.testing.assert_allclose(rec.spikes["out"], ref["out"], rtol=1e-9, atol=1e-12,
                                   err_msg=info)
        np.testing.assert_array_equal(rec.voltages["out"], rec.spikes["out"], err_msg=info)
        moving = (np.diff(ref["out"], axis=0) != 0).any(axis=1).sum()
        assert np.abs(ref["out"]).max() > 0.1 and moving > 50, info  # the readout is driven


def test_readout_feeding_a_neuron_passes_its_membrane() -> None:
    """input -> w -> LI -> w2 -> LIF: the LI's output v (not spikes) is the LIF's input."""
    rng = np.random.default_rng(11)
    w, w2 = rng.normal(0.5, 0.5, (4, 3)), rng.normal(1.0, 0.5, (2, 4))
    tau, r = rng.uniform(5e-3, 2e-2, 4), rng.uniform(1.0, 3.0, 4)
    tau2, r2, thr2 = np.full(2, 0.01), np.full(2, 2.0), np.full(2, 1.5)
    g = nir.NIRGraph(
        nodes={"in": nir.Input(input_type={"input": np.array([3])}), "w": nir.Linear(weight=w),
               "li": nir.LI(tau=tau, r=r, v_leak=np.zeros(4)), "w2": nir.Linear(weight=w2),
               "lif": nir.LIF(tau=tau2, r=r2, v_leak=np.zeros(2), v_threshold=thr2,
                              v_reset=np.zeros(2)),
               "out": nir.Output(output_type={"output": np.array([2])})},
        edges=[("in", "w"), ("w", "li"), ("li", "w2"), ("w2", "lif"), ("lif", "out")])
    x = rng.random((200, 3))
    v, v2, want = np.zeros(4), np.zeros(2), []
    for t in range(200):
        v = v + DT / tau * (-v + r * (w @ x[t]))
        v2 = v2 + DT / tau2 * (-v2 + r2 * (w2 @ v))
        z = v2 > thr2
        v2 = np.where(z, 0.0, v2)
        want.append(z)
    got = from_nir(g, dt=DT).run(x).spikes["lif"]
    np.testing.assert_array_equal(got, np.array(want, dtype=float))
    assert 10 < np.sum(want) < 300


def node_params(node: nir.NIRNode) -> dict[str, np.ndarray]:
    keys = ("weight", "bias", "tau", "r", "v_leak", "v_threshold", "v_reset", "tau_syn",
            "tau_mem", "w_in")
    return {k: np.asarray(getattr(node, k)) for k in keys if hasattr(node, k)}


def test_round_trip_keeps_every_node_parameter_and_edge(tmp_path: Path) -> None:
    g = graph(params(3))
    net = from_nir(g, dt=DT)
    back = to_nir(net)
    assert set(back.nodes) == set(g.nodes)
    assert set(back.edges) == set(g.edges)
    for name, node in g.nodes.items():
        assert type(back.nodes[name]) is type(node), name
        got, want = node_params(back.nodes[name]), node_params(node)
        assert got.keys() == want.keys(), name
        for k in want:
            np.testing.assert_array_equal(got[k], want[k], err_msg=f"{name}.{k}")
    assert back.metadata["dt"] == DT
    # the file format the libraries write, read back by nir.read
    path = tmp_path / "net.nir"
    nir.write(path, back)
    again = nir.read(path)
    x = (np.random.default_rng(7).random((100, N_IN)) < 0.3).astype(float)
    a, b = net.run(x), from_nir(again).run(x)  # dt from the graph's metadata
    for k in a.spikes:
        np.testing.assert_array_equal(a.spikes[k], b.spikes[k])


def test_to_nir_writes_trained_weights_and_changed_neurons() -> None:
    p = params(4)
    net = from_nir(graph(p), dt=DT)
    net.projections[0].data *= 2.0  # "training"
    pop = net.populations["lif"]
    pop.threshold = pop.threshold * 1.5
    back = to_nir(net)
    np.testing.assert_array_equal(back.nodes["aff"].weight, 2.0 * p["w1"])
    x = (np.random.default_rng(8).random((150, N_IN)) < 0.3).astype(float)
    a, b = net.run(x), from_nir(back).run(x)
    for k in a.spikes:
        np.testing.assert_array_equal(a.spikes[k], b.spikes[k])
    assert a.spikes["lif"].sum() > 20


def test_our_network_to_nir_and_back_spikes_identically(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    net = Network(4)
    net.add_population("h", 7, tau=20.0, dt=1.0, threshold=1.0, reset="zero")
    net.add_population("o", 2, beta=1.0, threshold=2.0, reset="zero")
    net.connect(INPUT, "h", rng.normal(0.5, 0.5, (7, 4)), mask=np.ones((7, 4), bool))
    net.connect("h", "h", rng.normal(0, 0.3, (7, 7)), mask=np.ones((7, 7), bool))
    net.connect("h", "o", rng.normal(0.4, 0.4, (2, 7)), mask=np.ones((2, 7), bool))
    g = to_nir(net, dt=1.0)
    assert type(g.nodes["h"]).__name__ == "LIF" and type(g.nodes["o"]).__name__ == "IF"
    path = tmp_path / "ours.nir"
    nir.write(path, g)
    back = from_nir(str(path))
    x = (rng.random((200, 4)) < 0.4).astype(float)
    a, b = net.run(x), back.run(x)
    for k in ("h", "o"):
        np.testing.assert_array_equal(a.spikes[k], b.spikes[k], err_msg=k)
        np.testing.assert_allclose(a.voltages[k], b.voltages[k], rtol=1e-9, atol=1e-12)
    assert a.spikes["o"].sum() > 5


def lif_node(n: int = 2, **kw: object) -> nir.LIF:
    args: dict[str, object] = {"tau": np.full(n, 0.01), "r": np.ones(n), "v_leak": np.zeros(n),
                               "v_threshold": np.ones(n), "v_reset": np.zeros(n)}
    args.update(kw)
    return nir.LIF(**args)


def chain(*mid: tuple[str, nir.NIRNode], n_in: int = 3, n_out: int = 2,
          type_check: bool = True) -> nir.NIRGraph:
    nodes = {"input": nir.Input(input_type={"input": np.array([n_in])})}
    nodes.update(dict(mid))
    nodes["output"] = nir.Output(output_type={"output": np.array([n_out])})
    names = list(nodes)
    return nir.NIRGraph(nodes=nodes, edges=list(zip(names[:-1], names[1:], strict=True)),
                        type_check=type_check)


def test_refusals_name_the_node_and_what_is_allowed() -> None:
    w = nir.Linear(weight=np.ones((2, 3)))
    cuba = nir.CubaLIF(tau_syn=np.full(2, 0.01), tau_mem=np.full(2, 0.02), r=np.ones(2),
                       v_leak=np.zeros(2), v_threshold=np.ones(2))
    with pytest.raises(ValueError, match="CubaLIF node 'syn': method='exact' is not supported for "
                       "a current-based node .* use method='euler'"):
        from_nir(chain(("fc", w), ("syn", cuba)), dt=1e-3, method="exact")
    with pytest.raises(ValueError, match="CubaLIF node 'syn': tau_syn must be > dt = 0.01"):
        from_nir(chain(("fc", w), ("syn", cuba)), dt=1e-2)
    cuba.w_in = np.array([1.0, -1.0])
    with pytest.raises(ValueError, match="CubaLIF node 'syn': w_in must be > 0, not -1.0"):
        from_nir(chain(("fc", w), ("syn", cuba)), dt=1e-3)
    li = nir.LI(tau=np.full(2, 0.01), r=np.ones(2), v_leak=np.full(2, 0.5))
    with pytest.raises(ValueError, match="LI node 'readout': v_leak must be 0 .*not 0.5"):
        from_nir(chain(("fc", w), ("readout", li)), dt=1e-3)
    scale = nir.Scale(scale=np.ones(2))
    with pytest.raises(ValueError, match="node 'sc' of type Scale is not supported; supported are "
                       "Input, Output, Linear, Affine \\(bias 0\\), LIF, IF, CubaLIF, LI"):
        from_nir(chain(("fc", w), ("sc", scale), ("l", lif_node())), dt=1e-3)
    conv = nir.Conv1d(input_shape=3, weight=np.ones((2, 1, 1)), stride=1, padding=0, dilation=1,
                      groups=1, bias=np.zeros(2))
    with pytest.raises(ValueError, match="node 'c' of type Conv1d is not supported"):
        from_nir(chain(("c", conv), ("l", lif_node()), type_check=False), dt=1e-3)
    aff = nir.Affine(weight=np.ones((2, 3)), bias=np.array([0.0, 0.5]))
    with pytest.raises(ValueError, match=r"Affine node 'fc' has a non-zero bias \(max \|b\| = "
                       r"0.5\)"):
        from_nir(chain(("fc", aff), ("l", lif_node())), dt=1e-3)
    with pytest.raises(ValueError, match="LIF node 'l': v_leak must be 0 .* not -0.1"):
        from_nir(chain(("fc", w), ("l", lif_node(v_leak=np.full(2, -0.1)))), dt=1e-3)
    with pytest.raises(ValueError, match="LIF node 'l': v_reset must be 0"):
        from_nir(chain(("fc", w), ("l", lif_node(v_reset=np.full(2, 0.2)))), dt=1e-3)
    with pytest.raises(ValueError, match=r"LIF node 'l': tau must be > dt = 0.02 .*snnTorch"):
        from_nir(chain(("fc", w), ("l", lif_node())), dt=0.02)
    with pytest.raises(ValueError, match="dt must be given: NIR graphs are continuous"):
        from_nir(chain(("fc", w), ("l", lif_node())))
    with pytest.raises(ValueError, match="dt must be > 0 and finite, not -1"):
        from_nir(chain(("fc", w), ("l", lif_node())), dt=-1)
    with pytest.raises(ValueError, match=r"Linear node 'fc': weight has shape \(2, 3\); 'input' -> "
                       r"'l' needs \(2, 4\)"):
        from_nir(chain(("fc", w), ("l", lif_node()), n_in=4, type_check=False), dt=1e-3)
    with pytest.raises(ValueError, match="Output node 'output' must be fed by exactly one neuron "
                       "node"):
        from_nir(chain(("l", lif_node(3)), ("fc", w), n_in=3), dt=1e-3)
    with pytest.raises(TypeError, match="graph must be a nir.NIRGraph"):
        from_nir(lif_node(), dt=1e-3)
    with pytest.raises(ValueError, match="method must be"):
        from_nir(chain(("fc", w), ("l", lif_node())), dt=1e-3, method="rk4")


def test_malformed_graphs_are_refused_clearly() -> None:
    w = nir.Linear(weight=np.ones((2, 3)))
    nodes = {"input": nir.Input(input_type={"input": np.array([3])}), "fc": w, "l": lif_node(),
             "output": nir.Output(output_type={"output": np.array([2])})}
    bad = nir.NIRGraph(nodes=nodes, edges=[("input", "fc"), ("fc", "lif"), ("l", "output")],
                       type_check=False)
    with pytest.raises(ValueError, match="edge .* names node 'lif', which is not in the graph"):
        from_nir(bad, dt=1e-3)
    two_in = dict(nodes, input2=nir.Input(input_type={"input": np.array([3])}))
    g = nir.NIRGraph(nodes=two_in, edges=[("input", "fc"), ("fc", "l"), ("l", "output")],
                     type_check=False)
    with pytest.raises(ValueError, match="exactly one Input and one Output node"):
        from_nir(g, dt=1e-3)
    loose = nir.NIRGraph(nodes=nodes, edges=[("input", "fc"), ("l", "output")], type_check=False)
    with pytest.raises(ValueError, match="Linear node 'fc' must feed exactly one neuron node"):
        from_nir(loose, dt=1e-3)
    image = nir.NIRGraph(
        nodes={"input": nir.Input(input_type={"input": np.array([2, 3])}), "l": lif_node(3),
               "output": nir.Output(output_type={"output": np.array([3])})},
        edges=[("input", "l"), ("l", "output")], type_check=False)
    with pytest.raises(ValueError, match=r"Input node 'input' has shape \(2, 3\); allowed is "
                       r"\(n_in,\)"):
        from_nir(image, dt=1e-3)
    batch_of_one = nir.NIRGraph(
        nodes={"input": nir.Input(input_type={"input": np.array([1, 3])}), "l": lif_node(3),
               "output": nir.Output(output_type={"output": np.array([3])})},
        edges=[("input", "l"), ("l", "output")], type_check=False)
    assert from_nir(batch_of_one, dt=1e-3).n_in == 3  # the exporter's batch of one is dropped


def test_to_nir_refusals() -> None:
    net = Network(3)
    net.add_population("o", 2)  # reset="subtract" by default
    net.connect(INPUT, "o", np.ones((2, 3)))
    with pytest.raises(ValueError, match="population 'o' uses reset='subtract'; NIR neurons"):
        to_nir(net, dt=1.0)
    with pytest.raises(ValueError, match="dt must be given"):
        to_nir(net)
    with pytest.raises(ValueError, match="network must be in float mode"):
        to_nir(Network(3, mode="int"), dt=1.0)
    with pytest.raises(TypeError, match="network must be a Network"):
        to_nir("net", dt=1.0)  # type: ignore[arg-type]


def test_population_beta_given_directly() -> None:
    from sc_model.learning.network import Population

    pop = Population(3, beta=[0.9, 1.0, 0.5], threshold=10.0)
    np.testing.assert_array_equal(pop.beta, [0.9, 1.0, 0.5])
    assert np.isinf(pop.tau[1]) and pop.tau[0] == pytest.approx(-1.0 / np.log(0.9))
    pop.step_all(np.ones(3))
    pop.step_all(np.ones(3))
    np.testing.assert_allclose(pop.v[0], [1.9, 2.0, 1.5])  # v = beta v + I
    with pytest.raises(ValueError, match="beta must be in \\(0, 1\\], not 1.5"):
        Population(2, beta=1.5)
    with pytest.raises(ValueError, match="beta must be > 0"):
        Population(2, beta=0.0)
    with pytest.raises(TypeError, match="give tau or beta, not both"):
        Population(2, tau=5.0, beta=0.5)
    with pytest.raises(TypeError, match="beta is a float-mode parameter"):
        Population(2, "int", beta=0.5)


def test_identity_edge_is_an_identity_projection_and_round_trips() -> None:
    tau, r, thr = np.array([0.02, 0.01, 0.05]), np.array([1.0, 2.0, 0.5]), np.array([0.3, 0.6, 0.2])
    g = nir.NIRGraph(
        nodes={"in": nir.Input(input_type={"input": np.array([3])}),
               "l": nir.LIF(tau=tau, r=r, v_leak=np.zeros(3), v_threshold=thr,
                            v_reset=np.zeros(3)),
               "out": nir.Output(output_type={"output": np.array([3])})},
        edges=[("in", "l"), ("l", "out")])
    net = from_nir(g, dt=DT)
    x = np.random.default_rng(9).random((200, 3))
    v, want = np.zeros(3), []
    for t in range(200):  # NIR's LIF with I = x (identity edge), Euler
        v = v + DT / tau * (-v + r * x[t])
        z = v > thr
        v = np.where(z, 0.0, v)
        want.append(z)
    np.testing.assert_array_equal(net.run(x).spikes["l"], np.array(want, dtype=float))
    assert np.sum(want) > 20
    back = to_nir(net)
    assert set(back.nodes) == {"in", "l", "out"} and set(back.edges) == set(g.edges)


def biased_graph(p: dict[str, np.ndarray], b1: np.ndarray, b2: np.ndarray) -> nir.NIRGraph:
    """``graph(p)`` with biases: Affine ``aff`` (from the input) and Affine ``w2`` (hidden)."""
    g = graph(p)
    nodes = dict(g.nodes)
    nodes["aff"] = nir.Affine(weight=p["w1"], bias=b1)
    nodes["w2"] = nir.Affine(weight=p["w2"], bias=b2)
    return nir.NIRGraph(nodes=nodes, edges=list(g.edges))


def test_bias_input_import_equals_reference_and_round_trips() -> None:
    p = params(6)
    rng = np.random.default_rng(60)
    b1, b2 = rng.normal(0.0, 0.5, N_LIF), rng.normal(0.0, 0.3, N_IF)
    g = biased_graph(p, b1, b2)
    with pytest.raises(ValueError, match="Affine node 'aff' has a non-zero bias .*bias='input'"):
        from_nir(g, dt=DT)
    net = from_nir(g, dt=DT, bias="input")
    assert net.n_in == N_IN + 1
    x = (rng.random((T, N_IN)) < 0.3).astype(float)
    # reference: NIR's equations with y = W x + b (the lif/if steps of reference())
    v_lif, z_lif, v_if = np.zeros(N_LIF), np.zeros(N_LIF), np.zeros(N_IF)
    want_lif, want_if = [], []
    for t in range(T):
        cur = p["w1"] @ x[t] + b1 + p["wrec"] @ z_lif
        v_lif = v_lif + DT / p["tau"] * (-v_lif + p["r"] * cur)
        z_lif = (v_lif > p["thr"]).astype(float)
        v_lif = np.where(z_lif > 0, 0.0, v_lif)
        v_if = v_if + DT * p["r_if"] * (p["w2"] @ z_lif + b2)
        z_if = (v_if > p["thr_if"]).astype(float)
        v_if = np.where(z_if > 0, 0.0, v_if)
        want_lif.append(z_lif)
        want_if.append(z_if)
    rec = net.run(with_bias_input(x))
    np.testing.assert_array_equal(rec.spikes["lif"], want_lif)
    np.testing.assert_array_equal(rec.spikes["if"], want_if)
    assert np.sum(want_lif) > 50 and np.sum(want_if) > 10
    back = to_nir(net)
    assert set(back.nodes) == set(g.nodes) and set(back.edges) == set(g.edges)
    assert back.nodes["input"].input_type["input"].tolist() == [N_IN]
    for name in ("aff", "w2"):
        np.testing.assert_array_equal(back.nodes[name].weight, g.nodes[name].weight)
        np.testing.assert_array_equal(back.nodes[name].bias, g.nodes[name].bias)
    net.projections[0].data[-1] += 1.0  # train a bias weight: to_nir writes it
    assert not np.array_equal(to_nir(net).nodes["aff"].bias, b1)


@pytest.mark.parametrize("readout", ["li", "cubali", "i"])
def test_cuba_and_readout_round_trip_keeps_every_parameter(readout: str, tmp_path: Path) -> None:
    p = cuba_params(5)
    g = cuba_graph(p, "cubalif", readout)
    net = from_nir(g, dt=DT)
    back = to_nir(net)
    assert set(back.nodes) == set(g.nodes) and set(back.edges) == set(g.edges)
    for name, node in g.nodes.items():
        assert type(back.nodes[name]) is type(node), name
        got, want = node_params(back.nodes[name]), node_params(node)
        assert got.keys() == want.keys(), name
        for k in want:
            np.testing.assert_array_equal(got[k], want[k], err_msg=f"{name}.{k}")
    path = tmp_path / "cuba.nir"
    nir.write(path, back)
    again = nir.read(path)
    assert type(again.nodes["hid"]).__name__ == "CubaLIF"
    np.testing.assert_array_equal(again.nodes["hid"].w_in, p["w_in"])
    np.testing.assert_array_equal(again.nodes["hid"].tau_syn, p["tau_syn"])
    x = (np.random.default_rng(12).random((150, N_IN)) < 0.3).astype(float)
    a, b = net.run(x), from_nir(again).run(x)
    for k in a.spikes:
        np.testing.assert_array_equal(a.spikes[k], b.spikes[k], err_msg=k)
    assert a.spikes["hid"].sum() > 20


def test_changed_cuba_and_readout_populations_are_written_from_their_parameters() -> None:
    p = cuba_params(6)
    net = from_nir(cuba_graph(p, "cubalif", "li"), dt=DT)
    hid, out = net.populations["hid"], net.populations["out"]
    hid.alpha = hid.alpha * 0.9  # changed neurons: to_nir computes new nodes
    hid.threshold = hid.threshold * 1.2
    out.gain = out.gain * 3.0
    back = to_nir(net)
    assert type(back.nodes["hid"]).__name__ == "CubaLIF"
    assert type(back.nodes["out"]).__name__ == "LI"
    assert not np.array_equal(back.nodes["hid"].tau_syn, p["tau_syn"])
    x = (np.random.default_rng(13).random((150, N_IN)) < 0.3).astype(float)
    a, b = net.run(x), from_nir(back).run(x)
    np.testing.assert_array_equal(a.spikes["hid"], b.spikes["hid"])
    np.testing.assert_allclose(a.spikes["out"], b.spikes["out"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.voltages["hid"], b.voltages["hid"], rtol=1e-9, atol=1e-12)
    assert a.spikes["hid"].sum() > 20


@pytest.mark.parametrize("readout,kind", [
    ({"tau": 10.0, "gain": [0.5, 2.0]}, "LI"),
    ({"beta": 1.0, "gain": 0.3}, "I"),
    ({"tau": 10.0, "alpha": 0.7, "gain": 1.5}, "CubaLI"),
])
def test_our_cuba_and_readout_network_to_nir_and_back(
    readout: dict[str, object], kind: str, tmp_path: Path
) -> None:
    rng = np.random.default_rng(14)
    net = Network(4)
    net.add_population("h", 6, tau=20.0, tau_syn=5.0, dt=1.0, threshold=1.0, reset="zero")
    net.add_population("ro", 2, dt=1.0, spiking=False, **readout)  # type: ignore[arg-type]
    net.connect(INPUT, "h", rng.normal(0.5, 0.5, (6, 4)), mask=np.ones((6, 4), bool))
    net.connect("h", "h", rng.normal(0, 0.3, (6, 6)), mask=np.ones((6, 6), bool))
    net.connect("h", "ro", rng.normal(0.4, 0.4, (2, 6)), mask=np.ones((2, 6), bool))
    g = to_nir(net, dt=1.0)
    assert type(g.nodes["h"]).__name__ == "CubaLIF" and type(g.nodes["ro"]).__name__ == kind
    path = tmp_path / "ours.nir"
    nir.write(path, g)
    back = from_nir(str(path))
    x = (rng.random((200, 4)) < 0.4).astype(float)
    a, b = net.run(x), back.run(x)
    np.testing.assert_array_equal(a.spikes["h"], b.spikes["h"])
    for k in ("h", "ro"):
        np.testing.assert_allclose(a.voltages[k], b.voltages[k], rtol=1e-9, atol=1e-12, err_msg=k)
    assert a.spikes["h"].sum() > 20 and np.abs(a.spikes["ro"]).max() > 0.1
    with pytest.raises(ValueError, match="population 'h' is current-based .*method='euler' only"):
        to_nir(net, dt=1.0, method="exact")


def test_population_synaptic_current_and_readout() -> None:
    from sc_model.learning.network import Population

    pop = Population(2, beta=[0.5, 1.0], alpha=[0.5, 0.25], threshold=10.0)
    for _ in range(2):
        pop.step_all(np.array([1.0, 4.0]))
    np.testing.assert_allclose(pop.syn[0], [1.5, 5.0])  # c = alpha c + I
    np.testing.assert_allclose(pop.v[0], [0.5 * 1.0 + 1.5, 4.0 + 5.0])  # v = beta v + c
    assert pop.tau_syn[0] == pytest.approx(-1.0 / np.log(0.5))
    ro = Population(2, beta=0.5, spiking=False, gain=[2.0, 1.0])
    np.testing.assert_array_equal(ro.step_all(np.array([1.0, -1.0])), [[2.0, -1.0]])
    np.testing.assert_array_equal(ro.step_all(np.array([1.0, -1.0])), [[3.0, -1.5]])
    np.testing.assert_array_equal(ro.spikes, ro.v)  # the output is the membrane
    assert np.isinf(ro.threshold).all()
    ro.reset_all(3)
    assert ro.v.shape == (3, 2) and not ro.v.any()
    with pytest.raises(TypeError, match="a non-spiking population .* has no threshold"):
        Population(2, spiking=False, threshold=1.0)
    with pytest.raises(TypeError, match="gain is the input gain of a readout"):
        Population(2, gain=2.0)
    with pytest.raises(TypeError, match="give tau_syn or alpha, not both"):
        Population(2, tau_syn=5.0, alpha=0.5)
    with pytest.raises(ValueError, match="alpha must be in \\(0, 1\\], not 1.5"):
        Population(2, alpha=1.5)
    with pytest.raises(ValueError, match="tau_syn must be > 0"):
        Population(2, tau_syn=-1.0)
    with pytest.raises(TypeError, match="spiking must be True or False, not 'no'"):
        Population(2, spiking="no")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="tau_syn, alpha, spiking=False and gain are float-mode"):
        Population(2, "int", tau_syn=5.0)


def test_learners_and_the_core_refuse_cuba_and_readout_populations() -> None:
    from sc_model.learning.bptt import BPTTLearner, TBPTTLearner
    from sc_model.learning.eprop import EPropLearner
    from sc_model.learning.ewc import EWCLearner
    from sc_model.learning.meta import MetaLearner, Reptile
    from sc_model.learning.quantize import quantize_layer

    p = cuba_params(7)
    cuba = from_nir(cuba_graph(p, "cubalif", "if"), dt=DT)
    readout = from_nir(cuba_graph(p, "lif", "li"), dt=DT)
    msg_cuba = "population 'hid' has a synaptic current .* supports only plain spiking LIF"
    msg_ro = "population 'out' is non-spiking .* supports only plain spiking LIF"
    for net, msg in ((cuba, msg_cuba), (readout, msg_ro)):
        with pytest.raises(ValueError, match=msg.replace(".* supports", ".*gradient training "
                                                             "\\(BPTT, TBPTT, e-prop.* supports")):
            BPTTLearner(net)
        with pytest.raises(ValueError, match=msg):
            TBPTTLearner(net, k=10)
        with pytest.raises(ValueError, match=msg):
            EPropLearner(net)
        with pytest.raises(ValueError, match=msg):
            MetaLearner(net, inner_lr=0.1, outer_lr=0.1)
        with pytest.raises(ValueError, match=msg):
            Reptile(net, inner_lr=0.1, outer_lr=0.1)
        with pytest.raises(ValueError, match=msg):
            EWCLearner(net, lam=1.0)
    w = nir.Linear(weight=np.ones((2, 3)))
    one_cuba = from_nir(chain(("fc", w), ("syn", nir.CubaLIF(
        tau_syn=np.full(2, 0.01), tau_mem=np.full(2, 0.02), r=np.ones(2), v_leak=np.zeros(2),
        v_threshold=np.ones(2)))), dt=1e-3)
    with pytest.raises(ValueError, match="population 'syn' has a synaptic current .*the SC core "
                       "\\(quantize_layer"):
        quantize_layer(one_cuba)
    one_li = from_nir(chain(("fc", w), ("ro", nir.LI(tau=np.full(2, 0.01), r=np.ones(2),
                                                     v_leak=np.zeros(2)))), dt=1e-3)
    with pytest.raises(ValueError, match="population 'ro' is non-spiking .*the SC core"):
        quantize_layer(one_li)


def test_snntorch_shaped_rsynaptic_graph_steps_like_snntorch_synaptic() -> None:
    """A graph as snnTorch's export_to_nir writes Linear -> RSynaptic (dt = 1e-4, r = tau_mem/dt,
    w_in = tau_syn/dt, a nested input -> lif <-> w_rec -> output subgraph) imports with gain 1:
    syn = alpha syn + W x + V s[t-1], mem = beta mem + syn (snnTorch's Synaptic order)."""
    dt, n_in, n = 1e-4, 4, 5
    rng = np.random.default_rng(15)
    alpha, beta = rng.uniform(0.6, 0.9, n), rng.uniform(0.8, 0.95, n)
    thr, w = rng.uniform(2.0, 4.0, n), rng.normal(0.1, 0.2, (n, n_in))
    v = rng.normal(0, 0.2, (n, n))
    tau_syn, tau_mem = dt / (1 - alpha), dt / (1 - beta)
    lif = nir.CubaLIF(tau_syn=tau_syn, tau_mem=tau_mem, r=tau_mem / dt, v_leak=np.zeros(n),
                      v_threshold=thr, w_in=tau_syn / dt)
    sub = nir.NIRGraph(
        nodes={"input": nir.Input(input_type={"input": np.array([n])}), "lif": lif,
               "w_rec": nir.Linear(weight=v),
               "output": nir.Output(output_type={"output": np.array([n])})},
        edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")])
    g = nir.NIRGraph(
        nodes={"input": nir.Input(input_type={"input": np.array([n_in])}),
               "fc": nir.Linear(weight=w), "rsyn": sub,
               "output": nir.Output(output_type={"output": np.array([n])})},
        edges=[("input", "fc"), ("fc", "rsyn"), ("rsyn", "output")])
    net = from_nir(g, dt=dt)
    pop = net.populations["rsyn.lif"]
    np.testing.assert_allclose(pop.alpha, alpha, rtol=1e-12)
    np.testing.assert_allclose(pop.beta, beta, rtol=1e-12)
    np.testing.assert_allclose(pop.threshold, thr, rtol=1e-12)  # gain 1
    x = (rng.random((300, n_in)) < 0.4).astype(float)
    syn, mem, s, want = np.zeros(n), np.zeros(n), np.zeros(n), []
    for t in range(300):
        syn = alpha * syn + w @ x[t] + v @ s
        mem = beta * mem * (1 - s) + syn
        s = (mem > thr).astype(float)
        want.append(s)
    got = net.run(x).spikes["rsyn.lif"]
    np.testing.assert_array_equal(got, want)
    assert 30 < np.sum(want) < 1000
