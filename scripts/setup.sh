#!/usr/bin/env bash
# Prepare this checkout for development on Debian 12 (run as root, Python >= 3.11 as python3):
# system packages, the .venv at the project root, and the project with its `dev` extra
# installed in editable mode. Safe to run again: when everything is in place it prints nothing.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=.venv
STAMP=$VENV/.minimarket-installed

# System packages the project needs. Add names here; only the missing ones are installed.
# Qt (PySide6) on the offscreen platform the tests and screenshots use: EGL/GL, xkbcommon,
# fontconfig with a real font, D-Bus and GLib.
APT_PACKAGES=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0
    fonts-dejavu-core
    # invoice OCR: Tesseract with Spanish; fonts the generated test invoices are drawn in
    tesseract-ocr tesseract-ocr-spa fonts-liberation fonts-freefont-ttf
    # the dashboard's browser tests (Playwright drives this Chromium, never its own download)
    chromium
    # alert rules are checked with promtool and amtool (tests/integration/test_alert_rules.py)
    prometheus prometheus-alertmanager)

log() { echo "setup: $*" >&2; }
die() { log "error: $*"; exit 1; }

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    || die "python3 >= 3.11 is required (found: $(python3 --version 2>&1 || echo none))"

# Debian's own python3 creates virtualenvs only with python3-venv installed.
if [[ ! -x $VENV/bin/python ]] \
    && python3 -c 'import sys; sys.exit(sys.base_prefix != "/usr")' 2>/dev/null; then
    APT_PACKAGES+=(python3-venv)
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [[ $status == "install ok installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
    ((EUID == 0)) || die "system packages missing, run as root: apt-get install ${missing[*]}"
    log "installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ ! -x $VENV/bin/python ]]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi

# Reinstall only when pyproject.toml changed since the last successful install, or when
# the console script has gone missing (a half-finished install, a recreated venv).
wanted=$(sha256sum pyproject.toml | cut -d' ' -f1)
installed=$(cat "$STAMP" 2>/dev/null || true)
if [[ $installed != "$wanted" || ! -x $VENV/bin/minimarket ]]; then
    log "installing the project and its dev extra into $VENV"
    rm -f "$STAMP"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[dev]'
    printf '%s\n' "$wanted" >"$STAMP"
fi

# --- dashboard front end ------------------------------------------------------------------
# htmx and Chart.js come from the npm registry through central/dashboard/frontend's lock
# file and are copied into central/dashboard/static/vendor/ (served by the dashboard
# itself: no CDN, it must work on a closed network). The built files are not committed;
# this rebuilds them only when the lock file, package.json or build script changed.
FRONTEND=central/dashboard/frontend
VENDOR=central/dashboard/static/vendor
frontend_wanted=$(cat "$FRONTEND/package.json" "$FRONTEND/package-lock.json" "$FRONTEND/build.mjs" \
    | sha256sum | cut -d' ' -f1)
if [[ $(cat "$VENDOR/.stamp" 2>/dev/null || true) != "$frontend_wanted" \
    || ! -s $VENDOR/htmx.min.js || ! -s $VENDOR/chart.umd.min.js ]]; then
    if ! command -v npm >/dev/null; then
        ((EUID == 0)) || die "npm is missing, run as root: apt-get install npm"
        log "installing npm"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm
    fi
    log "building the dashboard's front-end assets"
    (cd "$FRONTEND" && npm ci --silent --no-audit --no-fund >/dev/null && npm run --silent build)
    printf '%s\n' "$frontend_wanted" >"$VENDOR/.stamp"
fi
# --- end of dashboard front end -----------------------------------------------------------
