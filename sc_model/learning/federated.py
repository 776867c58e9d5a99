"""Federated aggregation: majority vote of sign bitstreams and secure summation.

Majority vote (signSGD with majority vote, Bernstein et al. 2018)
-----------------------------------------------------------------
Each client sends one bit per gradient coordinate, 1 for "positive" and 0 for
"negative" (its gradient's sign). :func:`majority_vote` returns, per
coordinate, the bit sent by more than half of the clients. Ties (an even
number of clients split evenly) follow ``tie``: ``"one"`` (default; the
comparator ``2 * ones >= n_clients``, i.e. ``sign(0) = +``), ``"zero"``
(``2 * ones > n_clients``) or ``"first"`` (the bit of the first client).
Bitstreams are either 0/1 (or bool) arrays ``[n_clients, n_bits]`` or, when
``n_bits`` is given, ``uint8`` arrays ``[n_clients, ceil(n_bits / 8)]``
packed by :func:`numpy.packbits` (big-endian bit order, padding ignored); the
result has the same format as the input.

Secure aggregation (Bonawitz et al. 2017, "Practical Secure Aggregation for
Privacy-Preserving Machine Learning", CCS; the double-masking protocol)
--------------------------------------------------------------------------
Goal: the server learns the *sum* of the clients' update vectors and nothing
else about any single update, even when clients drop out.

Quantisation
    An update ``x`` (float, length ``length``) becomes
    ``q = round(x * scale)`` (round half to even), an integer that must satisfy
    ``|q| < 2**31 / n_clients`` so the sum cannot overflow; arithmetic is in
    ``Z / 2**32`` (``uint32``), the sum is read back as a signed 32-bit integer
    and divided by ``scale``. The sum is exact in integers; relative to the
    float updates it is off by at most ``0.5 * n_survivors / scale`` per
    coordinate.
Key agreement (simulated)
    Each pair ``i < j`` shares a secret 127-bit seed ``s_ij``. Here the seeds
    are drawn from the aggregator's ``numpy.random.Generator`` at setup; a real
    deployment derives them with a Diffie-Hellman key agreement (the server
    only relays public keys) and expands them with a cryptographic PRG
    (AES-CTR, ChaCha20). This model expands seeds with PCG64, which is *not*
    cryptographically secure: the privacy statements below hold for an ideal
    PRG and are tested statistically, not cryptographically.
Masking
    Client ``i`` sends ``y_i = q_i + PRG(b_i) + sum_{j > i} PRG(s_ij)
    - sum_{j < i} PRG(s_ij)  (mod 2**32)`` where ``b_i`` is its private
    self-mask seed. The pairwise masks cancel in the sum over all clients; the
    self mask makes ``y_i`` uniform on ``Z / 2**32`` whatever ``q_i`` is.
Secret sharing
    At setup every client splits ``b_i`` and each of its pairwise seeds
    ``s_ij`` into ``n_clients`` Shamir shares (threshold ``t = threshold``,
    field ``GF(2**127 - 1)``), one share per client (share ``k`` held by client
    ``k``). Any ``t`` shares reconstruct a secret; fewer reveal nothing.
Unmasking round and dropouts
    The server receives ``y_u`` from the surviving set ``U`` (clients whose
    masked vector arrived); the others are *dropped*. It asks every responding
    client (a subset of ``U``; default all of ``U``) for, per survivor ``u``,
    its share of ``b_u`` and, per dropped ``d``, its shares of ``d``'s pairwise
    seeds. With at least ``t`` responses it reconstructs them, subtracts
    ``PRG(b_u)`` for each survivor and removes the now-uncancelled pairwise
    masks ``+-PRG(s_ud)`` between survivors and dropped clients. The result is
    ``sum_{u in U} q_u`` exactly: **a dropped client's update is simply not in
    the sum** (the server gets the sum over survivors; divide by ``len(U)``
    for the mean).
What the server can and cannot learn (honest clients)
    * Fewer than ``t`` survivors or responders: the round fails with an error
      (no sum at all). ``threshold`` is at least 2 (default
      ``n_clients // 2 + 1``), so a sum always covers at least 2 clients.
    * A client answers the unmasking round once and refuses a request that
      names a client both as survivor and as dropped, or names itself as
      dropped: the server can never obtain both ``b_d`` and the pairwise seeds
      of the same client, so a late-arriving ``y_d`` of a dropped client stays
      masked by ``PRG(b_d)`` (this is why the self mask exists).
    * Masks are single-use: a client masks one update per round, and
      :meth:`FederatedAggregator.new_round` draws fresh seeds and shares for
      the next round (seeds reused across rounds would leak, see there).

Loops run over clients and pairs (setup and unmasking, ``O(n_clients**2)``
PRG expansions of ``length`` words); the per-coordinate work is vectorised.

Public API: :func:`majority_vote`, :func:`quantize`, :func:`dequantize`,
:func:`prg`, :func:`shamir_share`, :func:`shamir_reconstruct`,
:class:`SecureAggClient`, :class:`FederatedAggregator`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from .._validate import check_bits, check_choice, check_int

__all__ = [
    "MODULUS",
    "SHAMIR_PRIME",
    "FederatedAggregator",
    "SecureAggClient",
    "dequantize",
    "majority_vote",
    "prg",
    "quantize",
    "shamir_reconstruct",
    "shamir_share",
]

MODULUS = 2**32
#: Mersenne prime 2**127 - 1: the Shamir field (seeds are below it).
SHAMIR_PRIME = 2**127 - 1
TIES = ("one", "zero", "first")


# ---------------------------------------------------------------------------
# Majority vote
# ---------------------------------------------------------------------------


def majority_vote(
    bitstreams: np.ndarray | Sequence[np.ndarray],
    *,
    n_bits: int | None = None,
    tie: str = "one",
) -> np.ndarray:
    """Per-coordinate majority of the clients' sign bits (module docstring).

    ``bitstreams``: ``[n_clients, n_bits]`` 0/1 or bool, or, with ``n_bits``,
    ``[n_clients, ceil(n_bits / 8)]`` packed ``uint8``. Returns ``uint8``
    bits ``[n_bits]`` (or packed ``[ceil(n_bits / 8)]`` with zero padding).
    """
    check_choice("tie", tie, TIES)
    if isinstance(bitstreams, np.ndarray):
        arr = bitstreams
    else:
        if len(bitstreams) == 0:
            raise ValueError("bitstreams must hold at least one client, not 0")
        lengths = {np.shape(b) for b in bitstreams}
        if len(lengths) != 1:
            raise ValueError(f"bitstreams must all have the same shape; got {sorted(lengths)}")
        arr = np.stack([np.asarray(b) for b in bitstreams])
    if arr.ndim != 2:
        raise ValueError(f"bitstreams must be [n_clients, n], not shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError("bitstreams must hold at least one client, not 0")
    if n_bits is None:
        bits = check_bits("bitstreams", arr)
    else:
        n_bits = check_int("n_bits", n_bits, 1)
        if arr.dtype != np.uint8:
            raise TypeError(f"packed bitstreams must be uint8, not dtype {arr.dtype}")
        if arr.shape[1] != -(-n_bits // 8):
            raise ValueError(
                f"packed bitstreams for n_bits={n_bits} need {-(-n_bits // 8)} bytes per "
                f"client, not {arr.shape[1]}"
            )
        bits = np.unpackbits(arr, axis=1, count=n_bits)
    n_clients = bits.shape[0]
    ones = bits.sum(axis=0, dtype=np.int64)
    twice = 2 * ones
    out = (twice > n_clients).astype(np.uint8)
    even = twice == n_clients
    if tie == "one":
        out[even] = 1
    elif tie == "first":
        out[even] = bits[0, even]
    return out if n_bits is None else np.packbits(out)


# ---------------------------------------------------------------------------
# Quantisation, PRG, Shamir
# ---------------------------------------------------------------------------


def _check_scale(scale: object) -> float:
    if isinstance(scale, bool):
        raise TypeError(f"scale must be a positive number, not {scale!r}")
    try:
        s = float(scale)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise TypeError(f"scale must be a positive number, not {scale!r}") from None
    if not np.isfinite(s) or s <= 0:
        raise ValueError(f"scale must be > 0 and finite, not {scale!r}")
    return s


def quantize(update: np.ndarray, scale: float, limit: int = 2**31) -> np.ndarray:
    """``round(update * scale) mod 2**32`` as ``uint32``; ``|round(update * scale)| < limit``."""
    scale = _check_scale(scale)
    x = np.asarray(update, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise ValueError("update must be finite; found NaN or inf")
    q = np.rint(x * scale)
    if q.size and np.abs(q).max() >= limit:
        raise ValueError(
            f"update * scale must be in (-{limit}, {limit}) so the sum cannot overflow "
            f"2**31; found {np.abs(q).max():.0f} (lower scale or clip the update)"
        )
    return q.astype(np.int64).astype(np.uint32)


def dequantize(total: np.ndarray, scale: float) -> np.ndarray:
    """Read ``uint32`` values as signed 32-bit integers and divide by ``scale``."""
    scale = _check_scale(scale)
    return np.asarray(total, dtype=np.uint32).view(np.int32).astype(np.float64) / scale


def prg(seed: int, length: int) -> np.ndarray:
    """Expand ``seed`` into ``length`` ``uint32`` words (PCG64: a model, not a secure PRG)."""
    gen = np.random.Generator(np.random.PCG64(int(seed)))
    return gen.integers(0, MODULUS, size=int(length), dtype=np.uint32)


def _random_field_element(rng: np.random.Generator) -> int:
    return int.from_bytes(rng.bytes(16), "little") % SHAMIR_PRIME


def shamir_share(
    secret: int, n_shares: int, threshold: int, rng: np.random.Generator
) -> list[int]:
    """Shares ``f(1) .. f(n)`` of a random ``f`` of degree ``threshold - 1`` with ``f(0) = secret``.

    Coefficients are uniform in ``GF(2**127 - 1)`` (drawn from ``rng``).
    """
    n_shares = check_int("n_shares", n_shares, 1)
    threshold = check_int("threshold", threshold, 1, n_shares)
    if not 0 <= secret < SHAMIR_PRIME:
        raise ValueError(f"secret must be in [0, 2**127 - 1), not {secret}")
    coeffs = [secret] + [_random_field_element(rng) for _ in range(threshold - 1)]
    shares = []
    for x in range(1, n_shares + 1):
        y = 0
        for c in reversed(coeffs):
            y = (y * x + c) % SHAMIR_PRIME
        shares.append(y)
    return shares


def shamir_reconstruct(points: Mapping[int, int]) -> int:
    """``f(0)`` by Lagrange interpolation through ``{x: f(x)}`` (``x`` >= 1, distinct)."""
    if not points:
        raise ValueError("points must hold at least one share")
    p = SHAMIR_PRIME
    secret = 0
    for xi, yi in points.items():
        num, den = 1, 1
        for xj in points:
            if xj != xi:
                num = num * (-xj) % p
                den = den * (xi - xj) % p
        secret = (secret + yi * num * pow(den, -1, p)) % p
    return secret


# ---------------------------------------------------------------------------
# Clients and server
# ---------------------------------------------------------------------------


class SecureAggClient:
    """The client side of secure aggregation (module docstring).

    Built by :class:`FederatedAggregator` (which simulates the key agreement
    and the share distribution); in a deployment each instance lives on its
    own device and its seeds never leave it except as Shamir shares.
    """

    def __init__(
        self,
        client_id: int,
        n_clients: int,
        length: int,
        scale: float,
        threshold: int,
        self_seed: int,
        pair_seeds: Mapping[int, int],
    ) -> None:
        self.client_id = client_id
        self.n_clients = n_clients
        self.length = length
        self.scale = scale
        self.threshold = threshold
        self._self_seed = self_seed
        self._pair_seeds = dict(pair_seeds)
        # shares of other clients' secrets held by this client (evaluation point id + 1)
        self._self_shares: dict[int, int] = {}
        self._pair_shares: dict[int, dict[int, int]] = {}
        self._answered: tuple[frozenset[int], frozenset[int]] | None = None
        self._masked = False

    def mask(self, update: np.ndarray) -> np.ndarray:
        """The masked, quantised update ``y_i`` (``uint32[length]``) sent to the server."""
        if self._masked:
            raise RuntimeError(
                f"client {self.client_id} already sent its masked update this round; "
                "masks are single-use (FederatedAggregator.new_round() re-keys)"
            )
        x = np.asarray(update, dtype=np.float64)
        if x.shape != (self.length,):
            raise ValueError(
                f"update must have shape ({self.length},), not {x.shape} "
                f"(client {self.client_id})"
            )
        y = quantize(x, self.scale, limit=2**31 // self.n_clients) + prg(
            self._self_seed, self.length
        )
        for j, seed in self._pair_seeds.items():
            if j > self.client_id:
                y += prg(seed, self.length)
            else:
                y -= prg(seed, self.length)
        self._masked = True
        return y

    def unmask_shares(
        self, survivors: Iterable[int], dropped: Iterable[int]
    ) -> tuple[dict[int, int], dict[int, dict[int, int]]]:
        """Answer the unmasking round: ``({u: share of b_u}, {d: {j: share of s_dj}})``.

        Answered once per round; refuses overlapping sets, a request naming this
        client as dropped, fewer than ``threshold`` survivors, and a second
        request with different sets (a server fishing for both masks of one
        client).
        """
        surv, drop = frozenset(survivors), frozenset(dropped)
        if surv & drop:
            raise ValueError(f"survivors and dropped overlap: {sorted(surv & drop)}")
        if self.client_id in drop or self.client_id not in surv:
            raise ValueError(f"client {self.client_id} is a survivor; the request says otherwise")
        if len(surv) < self.threshold:
            raise ValueError(
                f"only {len(surv)} survivors; threshold is {self.threshold}: refusing to unmask"
            )
        if self._answered is not None and self._answered != (surv, drop):
            raise ValueError(
                f"client {self.client_id} already answered this round for other sets; refusing"
            )
        self._answered = (surv, drop)
        return (
            {u: self._self_shares[u] for u in sorted(surv)},
            {d: dict(self._pair_shares[d]) for d in sorted(drop)},
        )


class FederatedAggregator:
    """Server of a federation of ``n_clients`` (>= 2) clients with ``length``-long updates.

    ``scale`` (> 0) is the fixed-point scale of :func:`quantize`; ``threshold``
    (2 .. ``n_clients``, default ``n_clients // 2 + 1``) the Shamir threshold,
    i.e. the minimum number of survivors and responders; ``rng`` (a
    ``numpy.random.Generator`` or an int seed) draws the simulated key
    agreement, the self-mask seeds and the Shamir polynomials. ``clients`` is
    the list of :class:`SecureAggClient`; ``last_reveal`` holds, after
    :meth:`secure_sum`, what the server reconstructed
    (``{"self_seeds": {u: b_u}, "pair_seeds": {d: {j: s_dj}}}``).
    """

    def __init__(
        self,
        n_clients: int,
        length: int,
        *,
        scale: float = 2.0**16,
        threshold: int | None = None,
        rng: np.random.Generator | int | None = None,
    ) -> None:
        self.n_clients = check_int("n_clients", n_clients, 2)
        self.length = check_int("length", length, 1)
        self.scale = _check_scale(scale)
        if threshold is None:
            threshold = self.n_clients // 2 + 1
        self.threshold = check_int("threshold", threshold, 2, self.n_clients)
        if rng is None or isinstance(rng, int | np.integer):
            rng = np.random.default_rng(rng)
        elif not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy Generator or an int seed, not {rng!r}")
        self.rng = rng
        self.round = 0
        self.new_round()

    def new_round(self) -> None:
        """Fresh key agreement, self seeds and shares: a new :attr:`clients` list.

        Called by the constructor; call it before every further round. Seeds
        must never be reused: a client's pairwise seeds revealed in one round
        (it dropped) and its self seed revealed in another (it survived) would
        together unmask it, and two masked vectors under the same masks reveal
        the difference of the updates.
        """
        rng, n = self.rng, self.n_clients
        n = self.n_clients
        pair = {(i, j): _random_field_element(rng) for i in range(n) for j in range(i + 1, n)}
        self.clients = [
            SecureAggClient(
                i, n, self.length, self.scale, self.threshold,
                _random_field_element(rng),
                {j: pair[min(i, j), max(i, j)] for j in range(n) if j != i},
            )
            for i in range(n)
        ]
        # share distribution: client i's secrets, share k to client k
        for c in self.clients:
            i = c.client_id
            for k, share in enumerate(shamir_share(c._self_seed, n, self.threshold, rng)):
                self.clients[k]._self_shares[i] = share
            for j, seed in c._pair_seeds.items():
                for k, share in enumerate(shamir_share(seed, n, self.threshold, rng)):
                    self.clients[k]._pair_shares.setdefault(i, {})[j] = share
        self.round += 1
        self.last_reveal: dict[str, dict] = {}

    def aggregate_gradients(self, bitstreams: np.ndarray, *, tie: str = "one") -> np.ndarray:
        """:func:`majority_vote` of 1 .. ``n_clients`` clients' ``length``-bit sign streams."""
        arr = np.asarray(bitstreams)
        if arr.ndim != 2 or not 1 <= arr.shape[0] <= self.n_clients:
            raise ValueError(
                f"bitstreams must be [1 .. {self.n_clients} clients, {self.length}], "
                f"not shape {arr.shape}"
            )
        if arr.shape[1] != self.length:
            raise ValueError(
                f"gradient bitstreams must have length {self.length}, not {arr.shape[1]}"
            )
        return majority_vote(arr, tie=tie)

    def secure_sum_int(
        self, masked: Mapping[int, np.ndarray], responders: Iterable[int] | None = None
    ) -> np.ndarray:
        """Unmask ``sum_u q_u`` (``int64[length]``) from ``{client_id: y}`` (module docstring)."""
        if not masked:
            raise ValueError("masked must hold at least one client's vector; got none")
        surv = sorted(masked)
        for u in surv:
            if isinstance(u, bool) or not isinstance(u, int | np.integer) or not (
                0 <= u < self.n_clients
            ):
                raise ValueError(f"masked has an unknown client id {u!r}")
            y = np.asarray(masked[u])
            if y.dtype != np.uint32 or y.shape != (self.length,):
                raise ValueError(
                    f"masked[{u}] must be uint32 of shape ({self.length},), "
                    f"not {y.dtype} {y.shape}"
                )
        if len(surv) < self.threshold:
            raise ValueError(
                f"masked holds {len(surv)} clients; at least threshold={self.threshold} "
                "must survive for the sum to be unmasked"
            )
        dropped = [d for d in range(self.n_clients) if d not in masked]
        resp = surv if responders is None else sorted(set(responders))
        if not set(resp) <= set(surv):
            raise ValueError(f"responders {sorted(set(resp) - set(surv))} did not send a vector")
        if len(resp) < self.threshold:
            raise ValueError(
                f"only {len(resp)} responders; at least threshold={self.threshold} needed"
            )
        self_pts: dict[int, dict[int, int]] = {u: {} for u in surv}
        pair_pts: dict[tuple[int, int], dict[int, int]] = {}
        for r in resp:
            s_shares, p_shares = self.clients[r].unmask_shares(surv, dropped)
            for u, share in s_shares.items():
                self_pts[u][r + 1] = share
            for d, per_j in p_shares.items():
                for j, share in per_j.items():
                    pair_pts.setdefault((d, j), {})[r + 1] = share
        self_seeds = {u: shamir_reconstruct(pts) for u, pts in self_pts.items()}
        pair_seeds: dict[int, dict[int, int]] = {d: {} for d in dropped}
        for (d, j), pts in pair_pts.items():
            pair_seeds[d][j] = shamir_reconstruct(pts)
        self.last_reveal = {"self_seeds": self_seeds, "pair_seeds": pair_seeds}

        total = np.zeros(self.length, dtype=np.uint32)
        for u in surv:
            total += np.asarray(masked[u], dtype=np.uint32)
            total -= prg(self_seeds[u], self.length)
        for d in dropped:
            for u in surv:
                # y_u holds +PRG(s_ud) if d > u else -PRG(s_ud): remove it
                if d > u:
                    total -= prg(pair_seeds[d][u], self.length)
                else:
                    total += prg(pair_seeds[d][u], self.length)
        return total.view(np.int32).astype(np.int64)

    def secure_sum(
        self, masked: Mapping[int, np.ndarray], responders: Iterable[int] | None = None
    ) -> np.ndarray:
        """The sum of the survivors' updates (float64, exact up to quantisation)."""
        return self.secure_sum_int(masked, responders).astype(np.float64) / self.scale
