#!/usr/bin/env bash
# Set up and start the app on http://127.0.0.1:5000 (SQLite, demo data).
source "$(dirname "$0")/bootstrap.sh"
apt_install gcc python3-dev
setup_venv
exec .venv/bin/python -m flask --app inspect_app run --host "${INSPECT_HOST:-127.0.0.1}" --port "${INSPECT_PORT:-5000}"
