# Shared set-up for scripts/run.sh and scripts/test.sh (sourced, not run).
# Creates .venv with a supported Python (3.11 or 3.12: durable-rules' C core does not import
# on 3.13) and installs requirements.txt; installs Debian packages that are missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> apt-get install ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

pick_python() {
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] in ((3, 11), (3, 12)) else 1)'; then
      echo "$candidate"; return 0
    fi
  done
  echo "Cần Python 3.11 hoặc 3.12 (durable-rules không chạy trên 3.13)." >&2
  return 1
}

setup_venv() {
  local python
  python=$(pick_python)
  if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info[:2] in ((3, 11), (3, 12)) else 1)'; then
    rm -rf .venv
    "$python" -m venv .venv
  fi
  if ! cmp -s requirements.txt .venv/.requirements 2>/dev/null; then
    echo "==> pip install -r requirements.txt"
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q -r requirements.txt
    cp requirements.txt .venv/.requirements
  fi
}

# A private PostgreSQL cluster for the tests, on 127.0.0.1:$PG_PORT; exports TEST_POSTGRES_URL.
# The server refuses to run as root, so as root it runs as the `postgres` user.
start_test_postgres() {
  local port="${PG_PORT:-54329}" dir="${PG_TEST_DIR:-/tmp/inspect-test-pg}" bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] || { echo "PostgreSQL is not installed" >&2; return 1; }
  local as=()
  if [ "$(id -u)" -eq 0 ]; then as=(runuser -u postgres --); fi
  mkdir -p "$dir"
  [ "$(id -u)" -ne 0 ] || chown postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    "${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! "${as[@]}" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  fi
  "${as[@]}" "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='inspect_test'" | grep -q 1 \
    || "${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres inspect_test
  export TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/inspect_test"
  echo "==> PostgreSQL on 127.0.0.1:$port"
}
