"""Load test: simulated inspectors against gunicorn, one worker killed by `kill -9` midway.

    .venv/bin/python bench/load/run.py [--backend postgresql|sqlite] [--users 50] [--duration 120] [--short]

Sets up a fresh database (PostgreSQL: a new database on --postgres-url, default $TEST_POSTGRES_URL, dropped
afterwards; SQLite: a temporary folder), migrates it and loads the demo data as scripts/run.sh does
(`init-db --demo`, `seed-demo --communes 40`), creates one inspector account per simulated user, and starts
gunicorn (4 workers on PostgreSQL, 1 worker with 4 threads on SQLite). Each simulated inspector then does what
a tablet does: logs in through the API, loads the units and the checklist, creates its draft (with a
client_id) and opens the checklist page, the logins spread over --ramp seconds; once every tablet is ready the
timed run (--duration) starts, and each answers one or two items at a time with PUT …/answers against the
version it holds, thinking 2–8 s between taps; on a 409 it reloads the version and sends the change again, on
a dropped connection it reloads and goes on. At half time one gunicorn worker is killed by PID with SIGKILL,
in the middle of a burst (--burst seconds) without think time, so that it dies with requests in flight.
PUT latencies are reported apart for the burst.

Each tablet logs in to its own account from its own address, as in production behind a proxy
(INSPECT_BEHIND_PROXY=1, X-Forwarded-For 10.0.x.y): the login throttle's per-address limit is meant for one
guesser, not for fifty inspectors behind one NAT, and is left as it is. --same-address sends every login from
127.0.0.1 instead.

Passes when no response is a 5xx (or any status other than 2xx and 409) and every acknowledged answer (a PUT
that got 200) is in the database: for each item, the stored value is the last acknowledged one, or one sent
after it whose answer was lost with the killed worker. Prints p50/p95/max per endpoint and the totals; exit
status 1 on failure. A plain threaded HTTP client (standard library only) rather than locust: the run needs
its own orchestration (the kill, the database check) and the numbers are per endpoint either way.
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import http.cookiejar
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from stats import percentile  # noqa: E402

PASSWORD = "TaiKiemTra@2026"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:54329/postgres"
TEAM = "Đoàn kiểm tra số 1 - Sở Nội vụ"  # the demo team: the users see each other's drafts, as a team does
DROPPED = (urllib.error.URLError, ConnectionError, http.client.HTTPException, TimeoutError, socket.timeout)


class Dropped(Exception):
    """The connection failed without an HTTP answer (e.g. the worker serving it was killed)."""


@dataclass
class Stats:
    """Latencies and statuses per endpoint, shared by every simulated user."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, status: int | None, ms: float) -> None:
        with self.lock:
            if status is not None:
                self.times[name].append(ms)
            self.statuses[name][str(status) if status is not None else "dropped"] += 1


class Client:
    """One tablet's HTTP session: cookies, the CSRF token, JSON in and out."""

    def __init__(self, base: str, stats: Stats, address: str | None):
        self.base, self.stats, self.token, self.address = base, stats, None, address
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(self, method: str, path: str, name: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Accept": "application/json"} | ({"X-Forwarded-For": self.address} if self.address else {})
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if method != "GET" and self.token:
            headers["X-CSRFToken"] = self.token
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        start = time.perf_counter()
        try:
            with self.opener.open(request, timeout=60) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        except DROPPED as error:
            self.stats.add(name, None, 0.0)
            raise Dropped(str(error)) from None
        self.stats.add(name, status, (time.perf_counter() - start) * 1000)
        if payload[:1] in (b"{", b"["):
            return status, json.loads(payload)
        return status, None


@dataclass
class Ledger:
    """What one user sent for each item: the last acknowledged value and the unacknowledged ones after it."""

    acked: dict[str, Any] = field(default_factory=dict)
    unsure: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    puts_acked: int = 0

    def ack(self, answers: dict[str, Any]) -> None:
        self.puts_acked += 1
        for code, value in answers.items():
            self.acked[code] = value
            self.unsure.pop(code, None)

    def lost(self, answers: dict[str, Any]) -> None:
        for code, value in answers.items():
            self.unsure[code].append(value)


@dataclass
class Plan:
    users: int
    duration: float
    think: tuple[float, float]
    burst_start: float
    burst: float
    kill_at: float


class Inspector(threading.Thread):
    """One simulated inspector on a tablet."""

    def __init__(self, number: int, base: str, stats: Stats, run_id: str, clock: "Clock", plan: Plan,
                 username: str, address: str | None):
        super().__init__(daemon=True)
        self.number, self.run_id, self.clock, self.plan, self.username = number, run_id, clock, plan, username
        self.client = Client(base, stats, address)
        self.random = random.Random(number)
        self.ledger = Ledger()
        self.inspection_id: int | None = None
        self.failure: str | None = None
        self.ready = threading.Event()  # logged in, draft open: the timed run may start

    def retrying(self, method: str, path: str, name: str, body: Any = None) -> tuple[int, Any]:
        """A call the tablet repeats until it gets an answer (setup steps, reloads)."""
        for _ in range(20):
            try:
                return self.client.call(method, path, name, body)
            except Dropped:
                time.sleep(0.5)
        raise RuntimeError(f"{name}: no answer after 20 tries")

    def run(self) -> None:
        try:
            self.session()
        except Exception as error:  # noqa: BLE001 (reported with the results, never lost in a thread)
            self.failure = f"{type(error).__name__}: {error}"
            self.ready.set()

    def session(self) -> None:
        today = dt.date.today().isoformat()
        status, body = self.retrying("POST", "/api/v1/login", "POST /api/v1/login",
                                     {"username": self.username, "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"login {status}: {body}")
        self.client.token = body["csrf_token"]
        _, units = self.retrying("GET", f"/api/v1/units?date={today}", "GET /api/v1/units")
        _, checklist = self.retrying("GET", f"/api/v1/checklists/papi-xa?date={today}", "GET /api/v1/checklists/{id}")
        items = [i for s in checklist["sections"] for i in s["items"] if i["type"] in ("yesno", "int", "choice")]
        commune = units["communes"][self.number % len(units["communes"])]
        status, body = self.retrying("POST", "/api/v1/inspections", "POST /api/v1/inspections", {
            "client_id": f"load-{self.run_id}-{self.number:03d}", "checklist": "papi-xa",
            "commune_code": commune["code"], "inspection_date": today, "villages": 12,
            "team": [{"name": f"Cán bộ kiểm tra {self.number}", "position": "Chuyên viên", "role": "truong_doan"}],
            "commune_reps": [{"name": "Nguyễn Văn Cường", "position": "Chủ tịch UBND"}]})
        if status not in (200, 201):
            raise RuntimeError(f"create {status}: {body}")
        self.inspection_id = body["id"]
        self.retrying("GET", f"/inspections/{self.inspection_id}", "GET /inspections/{id} (page)")
        version = self.reload()
        self.ready.set()
        self.clock.started.wait()
        taps = 0
        while not self.clock.stopped():
            if not self.clock.bursting():
                self.clock.wait(self.random.uniform(*self.plan.think))
                if self.clock.stopped():
                    break
            answers = {item["code"]: self.value(item) for item in self.random.sample(items, self.random.choice((1, 1, 2)))}
            version = self.put(answers, version)
            taps += 1
            if taps % 10 == 0:  # now and then the tablet re-reads its list, as after switching screens
                self.retrying("GET", "/api/v1/inspections?mine=1", "GET /api/v1/inspections")

    def reload(self) -> int:
        status, body = self.retrying("GET", f"/api/v1/inspections/{self.inspection_id}", "GET /api/v1/inspections/{id}")
        if status != 200:
            raise RuntimeError(f"reload {status}")
        return body["version"]

    def put(self, answers: dict[str, Any], version: int) -> int:
        """Send one change until it is acknowledged or its fate is unknown; the version to go on with."""
        path = f"/api/v1/inspections/{self.inspection_id}/answers"
        for _ in range(5):
            name = "PUT /api/v1/inspections/{id}/answers" + (" [burst]" if self.clock.bursting() else "")
            try:
                status, body = self.client.call("PUT", path, name, {"answers": answers, "base_version": version})
            except Dropped:
                self.ledger.lost(answers)
                return self.reload()
            if status == 200:
                self.ledger.ack(answers)
                return body["version"]
            if status != 409:
                raise RuntimeError(f"PUT answers {status}: {body}")
            version = self.reload()  # an earlier change was stored though its answer was lost: go on from there
        return version

    def value(self, item: dict[str, Any]) -> Any:
        if item["type"] == "yesno":
            return self.random.choice(("yes", "no"))
        if item["type"] == "choice":
            return self.random.choice(item["choices"])["value"]
        low = item["min"] if item["min"] is not None else 0
        high = item["max"] if item["max"] is not None else low + 60
        return self.random.randint(low, min(high, low + 60))


class Clock:
    """The run's phases, shared by the users: think time, the burst, the end."""

    def __init__(self, plan: Plan):
        self.plan, self.start = plan, time.monotonic()
        self.started = threading.Event()
        self._stop = threading.Event()

    def begin(self) -> None:
        self.start = time.monotonic()
        self.started.set()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def bursting(self) -> bool:
        return self.plan.burst_start <= self.elapsed() < self.plan.burst_start + self.plan.burst

    def stopped(self) -> bool:
        return self._stop.is_set()

    def wait(self, seconds: float) -> None:
        until_burst = self.plan.burst_start - self.elapsed()  # a thinking user wakes when the burst starts
        self._stop.wait(min(seconds, until_burst) if until_burst > 0 else seconds)

    def stop(self) -> None:
        self._stop.set()


# ---------------------------------------------------------------- set-up and checks


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "inspect_app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def app_for(url: str, photo_dir: Path):
    from inspect_app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "PHOTO_DIR": str(photo_dir), "SECRET_KEY": "load"})


def create_inspectors(app, users: int, run_id: str) -> list[str]:
    """One inspector account per simulated user, in the demo team (logins from one address, distinct accounts)."""
    from sqlalchemy import select

    from inspect_app.extensions import db
    from inspect_app.models import Team
    from inspect_app.services.accounts import create_user

    names = []
    with app.app_context():
        team = db.session.scalar(select(Team).where(Team.name == TEAM))
        for number in range(users):
            name = f"load-{run_id}-{number:03d}"
            create_user(db.session, name, PASSWORD, f"Cán bộ kiểm tra tải {number}", "inspector", team=team)
            names.append(name)
        db.session.commit()
    return names


def stored_answers(app, inspection_ids: list[int]) -> dict[int, dict[str, Any]]:
    from sqlalchemy import select

    from inspect_app.extensions import db
    from inspect_app.models import Answer

    found: dict[int, dict[str, Any]] = defaultdict(dict)
    with app.app_context():
        for inspection_id, code, value in db.session.execute(
                select(Answer.inspection_id, Answer.item_code, Answer.value).where(Answer.inspection_id.in_(inspection_ids))):
            found[inspection_id][code] = value
        db.session.remove()
        db.engine.dispose()
    return found


def check_acknowledged(inspectors: list[Inspector], stored: dict[int, dict[str, Any]]) -> list[str]:
    """Every acknowledged answer is stored, unless a later change of the same item may have replaced it."""
    problems = []
    for inspector in inspectors:
        answers = stored.get(inspector.inspection_id, {})
        for code, value in inspector.ledger.acked.items():
            allowed = [value, *inspector.ledger.unsure.get(code, [])]
            if answers.get(code, "<absent>") not in allowed:
                problems.append(f"{inspector.username} {code}: acknowledged {value!r}, stored "
                                f"{answers.get(code, '<absent>')!r}")
    return problems


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def wait_until_up(base: str, server: subprocess.Popen, log: Path) -> None:
    for _ in range(120):
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base + "/login", timeout=5):
                return
        except DROPPED:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer within a minute:\n{log.read_text()[-3000:]}")


def report(stats: Stats, seconds: float) -> tuple[int, int]:
    """Print the per-endpoint table; (5xx and other unexpected statuses, dropped connections)."""
    print(f"\n{'endpoint':<44} {'n':>6} {'p50':>9} {'p95':>9} {'max':>9}  statuses")
    bad = dropped = total = 0
    for name in sorted(stats.statuses):
        times, statuses = stats.times.get(name, []), stats.statuses[name]
        total += sum(statuses.values())
        dropped += statuses.get("dropped", 0)
        bad += sum(n for s, n in statuses.items() if s != "dropped" and not (s.startswith("2") or s == "409"))
        cells = (f"{percentile(times, 0.5):>6.1f} ms {percentile(times, 0.95):>6.1f} ms {max(times):>6.1f} ms"
                 if times else f"{'—':>9} {'—':>9} {'—':>9}")
        print(f"{name:<44} {len(times):>6} {cells}  " + ", ".join(f"{s}×{n}" for s, n in sorted(statuses.items())))
    every = [t for times in stats.times.values() for t in times]
    print(f"{'all':<44} {len(every):>6} {percentile(every, 0.5):>6.1f} ms {percentile(every, 0.95):>6.1f} ms "
          f"{max(every):>6.1f} ms  {total / seconds:.1f} requests/s")
    return bad, dropped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of load after the logins")
    parser.add_argument("--burst", type=float, default=15.0, help="seconds without think time, around the kill")
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 8.0), metavar=("MIN", "MAX"))
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: 4 on PostgreSQL, 1 on SQLite)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: 1 on PostgreSQL, 4 on SQLite)")
    parser.add_argument("--communes", type=int, default=40, help="communes of demo history seeded (scripts/run.sh)")
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds over which the tablets log in")
    parser.add_argument("--short", action="store_true", help="20 s, 10 users, 5 s burst, 3 s ramp: a quick proof")
    parser.add_argument("--postgres-url", default=os.environ.get("TEST_POSTGRES_URL") or DEFAULT_SERVER)
    parser.add_argument("--keep", action="store_true", help="keep the database and folder for inspection")
    parser.add_argument("--same-address", action="store_true",
                        help="every tablet logs in from 127.0.0.1 (one office behind NAT), not through a proxy")
    args = parser.parse_args()
    if args.short:
        args.duration, args.users = min(args.duration, 20.0), min(args.users, 10)
        args.burst, args.ramp = min(args.burst, 5.0), min(args.ramp, 3.0)
    postgres = args.backend == "postgresql"
    workers = args.workers or (4 if postgres else 1)
    threads = args.threads or (1 if postgres else 4)
    plan = Plan(users=args.users, duration=args.duration, think=tuple(args.think), burst_start=0.5 * args.duration - args.burst / 2,
                burst=args.burst, kill_at=0.5 * args.duration)
    run_id = f"{os.getpid()}"
    folder = Path(tempfile.mkdtemp(prefix="inspect-load-"))
    admin = None
    if postgres:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        server = make_url(args.postgres_url)
        name = f"inspect_load_{run_id}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        url = server.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{folder / 'inspect.db'}"
    env = dict(os.environ, DATABASE_URL=url, INSPECT_PHOTO_DIR=str(folder / "photos"),
               INSPECT_SECRET_KEY="load-test-" + run_id)  # one key for every worker: sessions survive the kill
    if not args.same_address:  # as in production behind nginx: each tablet has its own address
        env["INSPECT_BEHIND_PROXY"] = "1"
    server_process = None
    try:
        started = time.monotonic()
        flask(env, "init-db", "--demo")
        flask(env, "seed-demo", "--years", "2020-2026", "--communes", str(args.communes), "--skip-existing")
        app = app_for(url, folder / "photos")
        usernames = create_inspectors(app, args.users, run_id)
        print(f"{args.backend}: migrated, demo data for {args.communes} communes and {args.users} inspector accounts "
              f"in {time.monotonic() - started:.0f} s")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = folder / "gunicorn.log"
        with log.open("w") as output:
            server_process = subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "--threads", str(threads),
                 "-b", f"127.0.0.1:{port}", "--timeout", "60", "inspect_app:create_app()"],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        wait_until_up(base, server_process, log)
        print(f"gunicorn pid {server_process.pid}: {workers} worker(s) × {threads} thread(s) on {base}; "
              f"{args.users} inspectors for {args.duration:.0f} s, think {plan.think[0]:g}–{plan.think[1]:g} s, "
              f"burst {plan.burst:g} s from {plan.burst_start:.0f} s, kill -9 of one worker at {plan.kill_at:.0f} s")
        stats = Stats()
        clock = Clock(plan)
        inspectors = [Inspector(n, base, stats, run_id, clock, plan, usernames[n],
                                None if args.same_address else f"10.0.{n // 250}.{n % 250 + 1}")
                      for n in range(args.users)]
        ramp = time.monotonic()
        for inspector in inspectors:  # tablets do not all log in in the same second
            inspector.start()
            time.sleep(args.ramp / max(1, args.users))
        for inspector in inspectors:
            inspector.ready.wait(timeout=300)
        print(f"{args.users} inspectors logged in with their drafts open in {time.monotonic() - ramp:.0f} s; "
              "timed run starts")
        clock.begin()
        killed = None
        while clock.elapsed() < plan.duration:
            if killed is None and clock.elapsed() >= plan.kill_at:
                killed = random.choice(workers_of(server_process.pid))
                os.kill(killed, signal.SIGKILL)
                print(f"{clock.elapsed():5.1f} s: kill -9 {killed}")
            time.sleep(0.2)
        clock.stop()
        for inspector in inspectors:
            inspector.join(timeout=120)
        seconds = time.monotonic() - ramp  # the log-ins included, as their requests are in the totals
        respawned = workers_of(server_process.pid)
        server_process.send_signal(signal.SIGTERM)
        server_process.wait(timeout=60)
        bad, dropped = report(stats, seconds)
        stored = stored_answers(app, [i.inspection_id for i in inspectors if i.inspection_id is not None])
        lost = check_acknowledged(inspectors, stored)
        failures = [f"{i.username}: {i.failure}" for i in inspectors if i.failure]
        acked = sum(i.ledger.puts_acked for i in inspectors)
        values = sum(len(i.ledger.acked) for i in inspectors)
        print(f"\nworkers after the kill: {len(respawned)} (killed {killed}, {'respawned' if killed not in respawned and len(respawned) == workers else 'NOT respawned'})")
        print(f"5xx or unexpected statuses: {bad}; dropped connections: {dropped}")
        print(f"acknowledged PUTs: {acked}; items checked in the database: {values}; missing or wrong: {len(lost)}")
        for line in (lost + failures)[:20]:
            print("  " + line)
        ok = not bad and not lost and not failures and killed is not None and acked > 0
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        if server_process is not None and server_process.poll() is None:
            server_process.kill()
        if args.keep:
            print(f"kept: {url} and {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
            if admin is not None:
                with admin.connect() as connection:
                    connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if admin is not None:
            admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
