#!/usr/bin/env bash
# Create .venv with Python >= 3.12 (Mesa 3.5 needs it) and install socsim into it.
# Usage: scripts/bootstrap.sh [EXTRAS]   e.g. scripts/bootstrap.sh viz,test
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-viz}"
venv=".venv"

python_ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }

find_python() {
    local candidates=()
    [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
    candidates+=(python3.13 python3.12)
    if command -v pyenv >/dev/null 2>&1; then
        local root; root="$(pyenv root)"
        for v in "$root"/versions/3.13* "$root"/versions/3.12*; do
            [ -x "$v/bin/python" ] && candidates+=("$v/bin/python")
        done
    fi
    candidates+=(python3)
    for c in "${candidates[@]}"; do
        if command -v "$c" >/dev/null 2>&1 && python_ok "$c"; then command -v "$c"; return 0; fi
    done
    return 1
}

if [ ! -x "$venv/bin/python" ] || ! python_ok "$venv/bin/python"; then
    py="$(find_python)" || { echo "error: socsim needs Python >= 3.12 (set PYTHON=/path/to/python3.12)" >&2; exit 2; }
    echo "creating $venv with $py ($("$py" --version))" >&2
    rm -rf "$venv"
    "$py" -m venv "$venv"
fi
log="$(mktemp)"
if ! { "$venv/bin/python" -m pip install --upgrade pip && \
       "$venv/bin/python" -m pip install -e ".[${extras}]"; } >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "error: installing socsim failed (full log: $log)" >&2
    exit 1
fi
rm -f "$log"
echo "installed socsim into $venv ($("$venv/bin/python" --version))" >&2
