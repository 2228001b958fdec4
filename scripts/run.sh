#!/usr/bin/env bash
# Set up and start the app on http://127.0.0.1:5000 with demo accounts on SQLite
# (instance/inspect.db). Demo password: $INSPECT_DEMO_PASSWORD, default KiemTra@2020.
source "$(dirname "$0")/bootstrap.sh"
apt_install gcc python3-dev fonts-liberation2 libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0
setup_venv
export INSPECT_SECRET_KEY="${INSPECT_SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')}"
.venv/bin/python -m flask --app inspect_app init-db --demo
# A slice of demo history (the first 40 communes by code, 2020–2026) so the dashboards have data; the full
# city is `flask --app inspect_app seed-demo` on an empty database.
.venv/bin/python -m flask --app inspect_app seed-demo --years 2020-2026 --communes 40 --skip-existing
exec .venv/bin/python -m flask --app inspect_app run --host "${INSPECT_HOST:-127.0.0.1}" --port "${INSPECT_PORT:-5000}"
