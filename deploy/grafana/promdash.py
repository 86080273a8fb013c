"""The dashboards of this folder and the alert rules of deploy/prometheus, as queries a Prometheus
answers: shared by `make dashboards` (render.py) and the proof against the running stack
(tests/monitoring/proof.py)."""
import json
import math
import pathlib
import re
import urllib.parse
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


class Panel:
    def __init__(self, dashboard, title, unit, targets):
        self.dashboard = dashboard
        self.title = title
        self.unit = unit
        self.targets = targets  # [(expr, legend format)]

    def __str__(self):
        return f'{self.dashboard}: "{self.title}"'


def dashboards(folder=HERE):
    """{file stem: (title, [Panel])} for every dashboard JSON in folder, in name order."""
    found = {}
    for path in sorted(folder.glob("*.json")):
        board = json.loads(path.read_text())
        panels = [
            Panel(path.stem, p["title"], p.get("fieldConfig", {}).get("defaults", {}).get("unit", ""),
                  [(t["expr"], t.get("legendFormat", "")) for t in p.get("targets", [])])
            for p in board["panels"]
        ]
        found[path.stem] = (board["title"], panels)
    return found


def alert_rules(path=ROOT / "deploy/prometheus/alerts.yml"):
    """[(alert name, expression)] of the alert rules."""
    import yaml  # python3-yaml; only the proof needs it

    with open(path) as f:
        groups = yaml.safe_load(f)["groups"]
    return [(r["alert"], r["expr"]) for g in groups for r in g["rules"] if "alert" in r]


_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
    "offset", "inf", "nan", "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk",
    "bottomk", "quantile", "count_values", "group",
}


def metric_names(expr):
    """The metric names an expression selects (a plain scan of PromQL, enough for ours)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # strings
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range and subquery windows
    # label lists of by/without/on/ignoring/group_left/group_right
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        word = match.group(0)
        after = text[match.end():].lstrip()
        if after.startswith("(") or word.lower() in _KEYWORDS:
            continue  # a function or an operator
        if re.fullmatch(r"\d+[smhdwy]", word) or word in ("e",):
            continue
        names.add(word)
    return names


class Prometheus:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def _get(self, path, **params):
        query = urllib.parse.urlencode(params, doseq=True)
        with urllib.request.urlopen(f"{self.url}{path}?{query}", timeout=30) as answer:
            body = json.load(answer)
        if body.get("status") != "success":
            raise RuntimeError(f"{path} {params}: {body.get('error')}")
        return body["data"]

    def query(self, expr, time=None):
        """The instant vector (or scalar) of expr: [(labels, value)]."""
        params = {"query": expr}
        if time is not None:
            params["time"] = time
        data = self._get("/api/v1/query", **params)
        if data["resultType"] == "scalar":
            return [({}, float(data["result"][1]))]
        return [(r["metric"], float(r["value"][1])) for r in data["result"]]

    def query_range(self, expr, start, end, step):
        """[(labels, [(time, value)])] of expr over [start, end]."""
        data = self._get("/api/v1/query_range", query=expr, start=start, end=end, step=step)
        return [(r["metric"], [(float(t), float(v)) for t, v in r["values"]]) for r in data["result"]]

    def metric_names(self):
        return set(self._get("/api/v1/label/__name__/values"))

    def targets_up(self):
        return sum(1 for _, value in self.query("up") if value == 1)


def has_values(samples):
    """Whether an instant query's answer holds at least one number (NaN is no answer)."""
    return any(not math.isnan(value) for _, value in samples)


def legend(format_, labels):
    """Grafana's {{label}} legend format filled in from a series' labels."""
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), format_).strip()
