#!/usr/bin/env bash
# The README's test command: on a fresh Debian machine, install what the tests need
# (PostgreSQL, Chromium and its driver, CJK fonts), the project with its test extras,
# then run the whole suite. Safe to run again: installed packages are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk fontconfig)
if ((${#need[@]})); then
    sudo_=""
    [ "$(id -u)" -eq 0 ] || sudo_="sudo"
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    # matplotlib keeps its list of fonts and does not look again: one made before the CJK fonts were
    # installed would not know them (the report's charts would fall back to English)
    if [[ " ${need[*]} " == *" fonts-noto-cjk "* ]]; then
        rm -f "${MPLCONFIGDIR:-${XDG_CACHE_HOME:-$HOME/.cache}/matplotlib}"/fontlist-*.json
    fi
fi

python3 -m pip install --quiet --disable-pip-version-check '.[test]'
exec python3 -m pytest -q "$@"
