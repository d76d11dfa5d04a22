"""Runs locust (tests/bench/locustfile.py) headless against the local API and prints the load
table: throughput, p50/p99 and errors per request type (429s counted apart), and the memory of the
stack (the local API with every function instance, DynamoDB Local, LocalStack), sampled while the
load runs.

usage: load_run.py BASE_URL USERS SPAWN_RATE DURATION API_PID DYNAMODB_PID LOCALSTACK_PID
(the roots of the stack's processes; an empty or 0 pid is left out of the memory table)
"""

import csv
import os
import subprocess
import sys
import time

base, users, rate, duration, *roots = sys.argv[1:]
roots = [int(p) if p.strip().isdigit() else 0 for p in roots]
here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(".local", "load")
os.makedirs(out, exist_ok=True)
for name in ("locust_stats.csv", "locust_failures.csv", "locust_stats_history.csv", "locust_exceptions.csv"):
    if os.path.exists(os.path.join(out, name)):
        os.remove(os.path.join(out, name))


def children():
    tree = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
                tree.setdefault(parent, []).append(int(pid))
            except OSError:
                pass
    return tree


def rss_mb(root, tree):
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(tree.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


locust = subprocess.Popen(
    [os.path.join(os.path.dirname(sys.executable), "locust"), "-f", os.path.join(here, "locustfile.py"),
     "--host", base, "--headless", "-u", users, "-r", rate, "-t", duration, "--csv", os.path.join(out, "locust"),
     "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"],
)
peak = {}
last = {}
while locust.poll() is None:
    tree = children()
    for root in filter(None, roots):
        last[root] = rss_mb(root, tree)
        peak[root] = max(peak.get(root, 0), last[root])
    time.sleep(2)

if locust.returncode != 0:
    sys.exit(f"locust failed (exit {locust.returncode})")
rows = list(csv.DictReader(open(os.path.join(out, "locust_stats.csv"))))
failures = list(csv.DictReader(open(os.path.join(out, "locust_failures.csv"))))
print(f"\nload run: {users} players for {duration} against {base}\n")
print("| request | requests | req/s | p50 ms | p99 ms | errors |")
print("|---|---:|---:|---:|---:|---:|")
limited = []
for r in rows:
    if r["Name"] == "Aggregated":
        continue
    if r["Type"] == "429":
        limited.append(r)
        continue
    print(f"| {r['Name']} | {r['Request Count']} | {float(r['Requests/s']):.1f} | {r['50%']} | {r['99%']} | {r['Failure Count']} |")
total = next(r for r in rows if r["Name"] == "Aggregated")
served = int(total["Request Count"]) - sum(int(r["Request Count"]) for r in limited)
served_rate = sum(float(r["Requests/s"]) for r in rows if r["Name"] != "Aggregated" and r["Type"] != "429")
print(f"| **all but 429s** | {served} | {served_rate:.1f} | {total['50%']} | {total['99%']} | {total['Failure Count']} |")
print("\n| rate limited (429, by design) | answers |")
print("|---|---:|")
for r in limited:
    print(f"| {r['Name'][4:]} | {r['Request Count']} |")
if not limited:
    print("| (none) | 0 |")
if failures:
    print("\nerrors:")
    for f in failures:
        print(f"  {f['Occurrences']} x {f['Name']}: {f['Error'][:160]}")
print("\n| process | resident MB at the end | peak |")
print("|---|---:|---:|")
names = ["local API + function instances", "DynamoDB Local", "LocalStack"]
for name, root in zip(names, roots):
    if root:
        print(f"| {name} | {last.get(root, 0):.0f} | {peak.get(root, 0):.0f} |")
print(f"| **stack** | {sum(last.values()):.0f} | |")

