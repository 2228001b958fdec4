"""Every answer of the app carries the security headers: pages, the API, files, redirects and errors.

They are set once for the whole app (web/headers.py); this walks every GET route that takes no
argument, as an anonymous visitor and as the administrator, plus a 404, a static file and a POST.
"""
from __future__ import annotations

import re

from conftest import PASSWORD, make_app, seed

TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
SKIPPED = {"/logout"}  # a GET there would end the session the walk needs


def logged_in(app, username: str = "admin"):
    client = app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": TOKEN.search(page.get_data(as_text=True)).group(1),
                                           "username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def plain_get_paths(app) -> list[str]:
    return sorted(str(rule.rule) for rule in app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments and str(rule.rule) not in SKIPPED)


def assert_protected(response, path: str) -> None:
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", path
    assert headers.get("X-Frame-Options") == "DENY", path
    assert headers.get("Referrer-Policy") == "same-origin", path
    if response.mimetype == "text/html":
        policy = headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, path
        assert "'unsafe-inline'" not in policy, path
    assert "Strict-Transport-Security" not in headers, path  # plain HTTP: no HSTS


def test_every_page_file_and_error_carries_the_headers(app):
    paths = plain_get_paths(app)
    assert {"/login", "/inspections", "/dashboard", "/reports", "/remediations", "/audit"} <= set(paths), paths
    anonymous, admin = app.test_client(), logged_in(app)
    statuses = set()
    for client in (anonymous, admin):
        for path in paths + ["/khong-co-trang-nay", "/static/app.css?v=1", "/api/v1/khong-co"]:
            with client.get(path) as response:  # files are streamed: closed once looked at
                statuses.add(response.status_code)
                assert response.status_code < 500, (path, response.status_code)
                assert_protected(response, path)
    assert {200, 302, 404} <= statuses  # pages, redirects to the login page, errors: all were walked
    refused = anonymous.post("/login", data={"username": "admin", "password": "x"})  # no CSRF token: 400
    assert refused.status_code == 400
    assert_protected(refused, "POST /login")
    login_page = anonymous.get("/login")
    assert login_page.mimetype == "text/html" and "frame-ancestors 'none'" in login_page.headers["Content-Security-Policy"]


def test_https_deployments_add_hsts(tmp_path, password_hash):
    app = make_app(f"sqlite:///{tmp_path / 'hsts.db'}", tmp_path, SESSION_COOKIE_SECURE=True)
    seed(app, password_hash)
    for path in ("/login", "/api/v1/openapi.json", "/khong-co-trang-nay"):
        response = app.test_client().get(path)
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", path
