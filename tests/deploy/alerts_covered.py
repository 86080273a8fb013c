#!/usr/bin/python3
"""Every alert of deploy/prometheus/alerts.yml has, in alerts_test.yml, a case where it fires and a
case where it stays silent, and every alert has a runbook entry that its runbook_url names.

usage: alerts_covered.py ALERTS.yml ALERTS_TEST.yml RUNBOOK.md
"""
import re
import sys

import yaml


def main(alerts_path, tests_path, runbook_path):
    with open(alerts_path) as f:
        rules = [r for g in yaml.safe_load(f)["groups"] for r in g["rules"] if "alert" in r]
    with open(tests_path) as f:
        cases = [c for t in yaml.safe_load(f)["tests"] for c in t.get("alert_rule_test", [])]
    with open(runbook_path) as f:
        anchors = {re.sub(r"[^a-z0-9 -]", "", line[3:].strip().lower()).replace(" ", "-")
                   for line in f if line.startswith("## ")}
    firing = {c["alertname"] for c in cases if c.get("exp_alerts")}
    silent = {c["alertname"] for c in cases if not c.get("exp_alerts")}
    problems = []
    for rule in rules:
        name = rule["alert"]
        if name not in firing:
            problems.append(f"{name}: no test case where it fires")
        if name not in silent:
            problems.append(f"{name}: no test case where it stays silent")
        url = rule.get("annotations", {}).get("runbook_url", "")
        if not url.startswith("docs/runbook.md#"):
            problems.append(f"{name}: no runbook_url annotation into docs/runbook.md")
        elif url.split("#", 1)[1] not in anchors:
            problems.append(f"{name}: docs/runbook.md has no section #{url.split('#', 1)[1]}")
    known = {rule["alert"] for rule in rules}
    for name in sorted((firing | silent) - known):
        problems.append(f"{name}: tested, but alerts.yml has no such alert")
    for problem in problems:
        print(problem)
    print(f"{len(rules)} alerts, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
