#!/usr/bin/python3
"""The dashboards and alerts, proved against the running system.

Starts the local stack (deploy/local/stack.sh: every service, Redis with its exporter, RabbitMQ
with its Prometheus endpoint, an SMTP sink, and a private Prometheus scraping them all) on free
ports, waits until Prometheus has scraped every target, then does a round's real work: a
programme, a round, host offers, sign-ups through `ipraktik import`, a matching requested and
published through `ipraktik match`, and the placement e-mails. Then every panel query of
deploy/grafana/*.json and every alert expression of deploy/prometheus/alerts.yml goes through
Prometheus's HTTP API: a query naming a metric that no target exposes, a query Prometheus refuses,
or a panel that still returns nothing once the work is scraped, fails the test by name.

usage: proof.py BIN_DIR [--keep]   (BIN_DIR holds the ipraktik programs; --keep leaves the stack
                                    folder for a look after a pass)
"""
import csv
import datetime
import io
import json
import os
import pathlib
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "deploy/grafana"))
import promdash  # noqa: E402

# Metrics an alert may name that nothing here exposes yet, and why.
NOT_YET_EXPOSED = {
    "probe_ssl_earliest_cert_expiry": "comes from a blackbox exporter probing TLS endpoints, "
    "and the services do not serve TLS yet",
}
# Panels that no work done in minutes can fill, and why; they are still queried (Prometheus must
# accept them), but may return nothing.
NEEDS_DAYS = {
    'programme: "Evaluation response rate"': "the first survey opens the day after an "
    "internship's last day; tests/evaluation/service_test proves the gauge with a test clock",
}
# Ports of the stack at offset 0 (deploy/local/stack.sh).
STACK_PORTS = [7025, 7090, 7180, 7379, 7380, 7672, 7673, 7674, 7675, 7676] + [
    p for i in range(6) for p in (7101 + i, 9101 + i)
]
PERSONAL = ["@", "Praktikant", "Vært"]
SERVICES = [
    "registration", "matching", "matching-worker", "notification", "evaluation", "participant-web"
]
TARGETS = len(SERVICES) + 3  # and rabbitmq, rabbitmq-queues, redis
WAIT = 90  # seconds any one step may take on a loaded machine


def listens(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def free_offset():
    for _ in range(100):
        offset = random.randint(10000, 22000)
        if not any(listens(p + offset) for p in STACK_PORTS):
            return offset
    raise RuntimeError("no free set of ports for the stack")


def eventually(what, check, seconds=WAIT):
    """Polls check() until it returns a true value, which it returns; fails after seconds."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.5)


class Stack:
    def __init__(self, bin_dir):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="ipraktik-monitoring-"))
        self.offset = free_offset()
        self.env = dict(os.environ)
        self.env.update({
            "IPRAKTIK_STACK_DIR": str(self.dir),
            "IPRAKTIK_STACK_BIN": str(bin_dir),
            "IPRAKTIK_STACK_PORT_OFFSET": str(self.offset),
            "IPRAKTIK_OWNER_PID": str(os.getpid()),
            # The evaluation service measures response rates at every scheduler pass.
            "IPRAKTIK_EVALUATION_POLL_INTERVAL": "1s",
            # The secret of the stack's API keys, so the caller can make its own (Caller).
            "IPRAKTIK_TOKEN_SECRET": "monitoring-proof-token-secret",
            # The proof counts its own round only.
            "IPRAKTIK_STACK_DEMO": "off",
        })
        self.output = open(self.dir.parent / f"{self.dir.name}.out", "w+")
        self.process = subprocess.Popen([str(ROOT / "deploy/local/stack.sh"), "run"], env=self.env,
                                        stdout=self.output, stderr=subprocess.STDOUT)
        eventually("the stack to come up", self._running, 300)

    def _running(self):
        if self.process.poll() is not None:
            raise AssertionError(f"the stack exited:\n{self.log()}")
        return "ipraktik is running" in self.log()

    def log(self):
        self.output.flush()
        return (self.dir.parent / f"{self.dir.name}.out").read_text()

    def grpc(self, index):
        return f"127.0.0.1:{7101 + self.offset + index}"

    def prometheus(self):
        return promdash.Prometheus(f"http://127.0.0.1:{7090 + self.offset}")

    def emails(self):
        return len(list((self.dir / "smtp/mail/new").glob("*")))

    def stop(self, keep):
        subprocess.run([str(ROOT / "deploy/local/stack.sh"), "stop"], env=self.env,
                       stdout=subprocess.DEVNULL, check=False)
        self.process.wait(timeout=60)
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
            (self.dir.parent / f"{self.dir.name}.out").unlink(missing_ok=True)


class Caller:
    """Calls the services as a coordinator does: buf curl for the API, the ipraktik command line
    for imports and matchings, over the stack's mutual TLS with a coordinator's API key of the
    tenant (made here, as an administrator bootstraps one). The credentials are set here only."""

    def __init__(self, stack, tenant):
        self.stack = stack
        self.tenant = tenant
        certs = stack.dir / "certs"
        self.tls = {"ca": certs / "ca.pem", "cert": certs / "client.pem", "key": certs / "client.key"}
        redis = stack.dir / "redis"
        env = dict(stack.env, IPRAKTIK_REDIS_ADDRESS=f"127.0.0.1:{7379 + stack.offset}",
                   IPRAKTIK_REDIS_USER="admin",
                   IPRAKTIK_REDIS_PASSWORD=(redis / "users/admin.password").read_text().strip())
        made = subprocess.run([str(self.stack.env["IPRAKTIK_STACK_BIN"] + "/ipraktik"), "keys",
                               "bootstrap", "--tenant", tenant, "--role", "coordinator",
                               "--label", "monitoring proof"],
                              env=env, capture_output=True, text=True, timeout=60)
        if made.returncode != 0:
            raise AssertionError(f"ipraktik keys bootstrap failed: {made.stderr}{made.stdout}")
        self.key = made.stdout.strip()

    def metadata(self):
        return {"authorization": f"Bearer {self.key}"}

    def call(self, index, method, request):
        headers = [arg for name, value in self.metadata().items() for arg in ("-H", f"{name}: {value}")]
        answer = subprocess.run(
            [str(ROOT / "proto/node_modules/.bin/buf"), "curl", "--protocol", "grpc",
             "--cacert", str(self.tls["ca"]), "--cert", str(self.tls["cert"]),
             "--key", str(self.tls["key"]), *headers, "-d", json.dumps(request),
             f"https://{self.stack.grpc(index)}/ipraktik.v1.{method}"],
            capture_output=True, text=True, timeout=60)
        if answer.returncode != 0:
            raise AssertionError(f"{method} failed: {answer.stderr}{answer.stdout}")
        return json.loads(answer.stdout or "{}")

    def cli(self, *args, stdin=None):
        answer = subprocess.run([str(self.stack.env["IPRAKTIK_STACK_BIN"] + "/ipraktik"), *args,
                                 "--key", self.key, "--tls-ca", str(self.tls["ca"]),
                                 "--tls-cert", str(self.tls["cert"]),
                                 "--tls-key", str(self.tls["key"])], input=stdin,
                                capture_output=True, text=True, timeout=120)
        if answer.returncode != 0:
            raise AssertionError(f"ipraktik {' '.join(args)} failed: {answer.stderr}{answer.stdout}")
        return answer.stdout


def day(days):
    d = datetime.date.today() + datetime.timedelta(days=days)
    return {"year": d.year, "month": d.month, "day": d.day}


def run_a_round(stack, tenant, interns):
    """A round from sign-up to published placements; returns the number of e-mails it causes."""
    c = Caller(stack, tenant)
    registration = lambda method, request: c.call(0, f"RegistrationService/{method}", request)  # noqa: E731
    programme = registration("CreateProgramme", {"programme": {"name": "Innovationspraktik"}})
    round_ = registration("CreateRound", {"round": {
        "programme_id": programme["programme"]["programmeId"], "name": "Uge 37",
        "signup_deadline": day(20), "window_start": day(30), "window_end": day(32),
        "max_wishes": 2, "allowed_host_sectors": ["SECTOR_MUNICIPAL", "SECTOR_STATE"]}})["round"]
    round_id = round_["roundId"]
    offers = []
    for key, sector in (("aarhus", "SECTOR_MUNICIPAL"), ("ministeriet", "SECTOR_STATE")):
        workplace = registration("CreateWorkplace", {"workplace": {
            "name": key.capitalize(), "sector": sector, "region": "Midtjylland",
            "municipality": "Aarhus"}})["workplace"]["workplaceId"]
        contact = registration("RegisterParticipant", {"participant": {
            "name": f"Vært {key}", "email": f"host@{key}.example", "job_title": "Leder",
            "workplace_id": workplace, "consent": True}})["participant"]["participantId"]
        offer = registration("CreateHostOffer", {"host_offer": {
            "round_id": round_id, "workplace_id": workplace, "title": f"Praktik i {key}",
            "description": "Følg hverdagen og stil spørgsmål.", "capacity": interns,
            "days": [day(30)], "address": "Rådhuspladsen 2, 8000 Aarhus", "fields": ["ledelse"],
            "contact_participant_id": contact}})["hostOffer"]["hostOfferId"]
        registration("PublishHostOffer", {"host_offer_id": offer})
        offers.append(offer)
    registration("TransitionRound", {"round_id": round_id, "state": "ROUND_STATE_OPEN"})

    rows = io.StringIO()
    form = csv.writer(rows)
    form.writerow(["name", "email", "job_title", "consent", "workplace", "sector", "region",
                   "municipality", "purpose", "available_days", "wish_1", "wish_2"])
    for i in range(interns):
        sector = "kommunal" if i % 2 else "statslig"
        form.writerow([f"Praktikant {i}", f"intern{i}@{tenant}.example", "Kontorchef", "ja",
                       f"Hjemsted {sector}", sector, "Midtjylland", "Aarhus",
                       "Lære hvordan en anden organisation leder forandring i praksis.",
                       "{year:04d}-{month:02d}-{day:02d}".format(**day(30)),
                       offers[i % 2], offers[(i + 1) % 2]])
    c.cli("import", "--round", round_id, "--server", stack.grpc(0), "-", stdin=rows.getvalue())
    registration("TransitionRound", {"round_id": round_id, "state": "ROUND_STATE_CLOSED"})
    # --force: the tenant keeps the shipped sender, which the checks before publishing refuse.
    c.cli("match", "request", "--round", round_id, "--wait", "--force", "--server", stack.grpc(1))
    return interns + len(offers)  # each intern hears of a placement, each host of its interns


def check_exposition(stack):
    """Problems `promtool check metrics` finds in each service's /metrics: [str]."""
    problems = []
    for index, service in enumerate(SERVICES):
        url = f"http://127.0.0.1:{9101 + stack.offset + index}/metrics"
        with urllib.request.urlopen(url, timeout=30) as answer:
            exposition = answer.read()
        lint = subprocess.run(["promtool", "check", "metrics"], input=exposition,
                              capture_output=True, timeout=60)
        if lint.returncode != 0 or lint.stdout.strip() or lint.stderr.strip():
            problems.append(f"promtool check metrics on {service}'s /metrics: "
                            f"{(lint.stdout + lint.stderr).decode().strip()}")
        # No label names a person: the round's people are "Praktikant N" and "Vært ...", at
        # addresses with an @.
        for line in exposition.decode().splitlines():
            if not line.startswith("#") and any(p in line for p in PERSONAL):
                problems.append(f"{service}'s /metrics carries personal data: {line}")
    return problems


def check_silence(prometheus):
    """A healthy stack after its work fires no alert: [str]."""
    return [f"alert {labels.get('alertname')} fires on the healthy stack: {labels}"
            for labels, _ in prometheus.query('ALERTS{alertstate="firing"}')]


def check_queries(prometheus):
    """Problems with the dashboards' and alerts' queries now: [str]."""
    exposed = prometheus.metric_names()
    problems = []
    for name, (_, panels) in promdash.dashboards().items():
        for panel in panels:
            waits = str(panel) in NEEDS_DAYS
            for expr, _ in panel.targets:
                missing = promdash.metric_names(expr) - exposed
                if missing and not waits:
                    problems.append(f"panel {panel} names {', '.join(sorted(missing))}, which no target exposes")
                    continue
                try:
                    samples = prometheus.query(expr)
                except RuntimeError as refused:
                    problems.append(f"panel {panel}: Prometheus refuses the query: {refused}")
                    continue
                if not promdash.has_values(samples) and not waits:
                    problems.append(f"panel {panel} returns nothing after the work: {expr}")
    for alert, expr in promdash.alert_rules():
        missing = promdash.metric_names(expr) - exposed - set(NOT_YET_EXPOSED)
        if missing:
            problems.append(f"alert {alert} names {', '.join(sorted(missing))}, which no target exposes")
            continue
        try:
            prometheus.query(expr)
        except RuntimeError as refused:
            problems.append(f"alert {alert}: Prometheus refuses the expression: {refused}")
    return problems


def main(bin_dir, keep=False):
    started = time.monotonic()
    stack = Stack(pathlib.Path(bin_dir).resolve())
    passed = False
    try:
        prometheus = stack.prometheus()
        eventually("Prometheus to scrape every target", lambda: prometheus.targets_up() == TARGETS)
        # Counters must be seen at zero before the work, or rates miss the work's first step.
        eventually("a scrape of every target after all were up", lambda: prometheus.query(
            f"count(count_over_time(up[1m]) >= 2) == {TARGETS}"))
        print(f"stack up and scraped after {time.monotonic() - started:.0f} s", flush=True)

        emails = run_a_round(stack, "monitoring", interns=6)
        eventually("the placement e-mails", lambda: stack.emails() >= emails)
        eventually("Prometheus to see the e-mails sent", lambda: promdash.has_values(prometheus.query(
            f"sum(ipraktik_notification_emails_sent_total) >= {emails}")))
        print(f"round matched, published and {emails} e-mails sent after "
              f"{time.monotonic() - started:.0f} s", flush=True)

        # Each later scrape may bring the rest (the evaluation's response rate comes from its
        # next scheduler pass): poll until nothing is missing, or report what still is.
        problems = []
        # A coordinator keeps reading while the queries are checked, as on a working day: a rate
        # over a window with no call in it is 0/0 for the ratios and quantiles, not a figure.
        reader = Caller(stack, "monitoring")

        def settled():
            reader.call(0, "RegistrationService/ListRounds", {})
            problems[:] = check_queries(prometheus)
            return not problems

        try:
            eventually("every panel and alert query to be answered", settled, 60)
        except AssertionError as timeout:
            print(timeout)
        problems += check_exposition(stack) + check_silence(prometheus)
        for problem in problems:
            print(f"FAIL: {problem}")
        panels = sum(len(p) for _, p in promdash.dashboards().values())
        print(f"{panels} panels and {len(promdash.alert_rules())} alerts checked in "
              f"{time.monotonic() - started:.0f} s: {len(problems)} problems")
        passed = not problems
        return 0 if passed else 1
    finally:
        if keep or not passed:
            print(f"the stack's folder is kept: {stack.dir}")
        stack.stop(keep=keep or not passed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], "--keep" in sys.argv[2:]))
