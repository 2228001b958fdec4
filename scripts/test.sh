#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then run every test:
# Debian packages (compiler, PostgreSQL, Chromium, PDF tools and fonts), the venv, a local
# PostgreSQL server; then pytest (arguments are passed on).
source "$(dirname "$0")/bootstrap.sh"
apt_install gcc python3-dev postgresql chromium poppler-utils fonts-liberation2 libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
setup_venv
start_test_postgres
.venv/bin/python -m flask --app inspect_app catalog check
exec .venv/bin/python -m pytest "$@"
