#!/usr/bin/env bash
# Runs dal's benchmark suite (`cargo bench -p benches`: R0, the workloads R1-W4 on SQLite,
# PostgreSQL and MariaDB, P1) and writes benches/RESULTS.md: the machine, the date, the backend
# versions, then per backend each workload's median and its 95 % confidence interval for dal
# and for sqlx by hand, and the ratio dal / sqlx; then the R0 and P1 figures.
#
#   bash benches/run.sh               # the whole suite, about 10 minutes on 2 cores
#   bash benches/run.sh R1_get_by_id  # extra arguments go to the benchmarks (a name filter)
#
# Only results of this run go in the file (criterion's older results in the target directory
# are left out). A backend whose server is down is listed as skipped.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."

# As in .ci/run: builds outlive the clone, so repeated runs on one machine reuse them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dal/target}"
export CARGO_TERM_COLOR=never

# The workloads run pinned to one CPU (DAL_BENCH_CPU, 0 by default; empty: not pinned). The
# servers are not pinned. Unpinned, SQLite's time per statement is mostly the wake-ups of
# sqlx's SQLite worker thread across the two cores, which vary with thread placement and
# swamp what dal itself costs. R0 and P1 are about concurrency and always run unpinned.
pin=()
cpu="${DAL_BENCH_CPU-0}"
if [[ -n "$cpu" ]] && command -v taskset >/dev/null; then
  pin=(taskset -c "$cpu")
else
  cpu=""
fi

log="$(mktemp -t dal-bench-XXXXXX.log)"
trap 'rm -f "$log"' EXIT
started="$(date +%s)"

cargo bench -p benches --no-run 2>&1 | tee "$log"
cargo bench -p benches --bench r0_pool -- "$@" 2>&1 | tee -a "$log"
"${pin[@]}" cargo bench -p benches --bench workloads -- "$@" 2>&1 | tee -a "$log"
cargo bench -p benches --bench p1_contention -- "$@" 2>&1 | tee -a "$log"

DAL_BENCH_PINNED="$cpu" python3 - "$log" "$started" "$CARGO_TARGET_DIR/criterion" "$here/RESULTS.md" <<'PY'
import datetime
import json
import os
import platform
import subprocess
import sys
import urllib.parse

log_path, started, criterion_dir, out_path = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
log = open(log_path, encoding="utf-8", errors="replace").read().splitlines()

def lines(prefix):
    return [l.split("|")[1:] for l in log if l.startswith(prefix + "|")]

# --- machine -------------------------------------------------------------------------------
def cpu_model():
    try:
        for l in open("/proc/cpuinfo"):
            if l.startswith("model name"):
                return l.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"

def memory():
    try:
        for l in open("/proc/meminfo"):
            if l.startswith("MemTotal:"):
                return f"{int(l.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"

def run(*cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return r.stdout.strip() if r.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired):
        return None

# --- backend versions: the CLI when present, else what the benchmarks read -----------------
from_bench = {name: version for name, version in lines("VERSION")}
pg_url = os.environ.get("DAL_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
my_url = urllib.parse.urlparse(os.environ.get("DAL_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"))
versions = {}
v = run("psql", pg_url, "-Atc", "SELECT version()")
versions["postgres"] = (v, "psql") if v else (from_bench.get("postgres"), "benchmark run")
my_cmd = ["mysql", "--protocol=tcp", "-h", my_url.hostname or "127.0.0.1", "-P", str(my_url.port or 3306),
          "-u", urllib.parse.unquote(my_url.username or "root")]
if my_url.password:
    my_cmd.append("-p" + urllib.parse.unquote(my_url.password))
v = run(*my_cmd, "-Nse", "SELECT version()")
versions["mariadb"] = (v, "mysql CLI") if v else (from_bench.get("mariadb"), "benchmark run")
versions["sqlite"] = (from_bench.get("sqlite"), "bundled with sqlx, from the benchmark run")

# --- criterion results of this run ---------------------------------------------------------
results = {}  # group -> function -> estimates
for root, dirs, files in os.walk(criterion_dir):
    if os.path.basename(root) != "new" or "benchmark.json" not in files or "estimates.json" not in files:
        continue
    est_path = os.path.join(root, "estimates.json")
    if os.path.getmtime(est_path) < started:
        continue
    bench = json.load(open(os.path.join(root, "benchmark.json")))
    est = json.load(open(est_path))
    median = est["median"]
    function = bench.get("function_id") or ""
    if bench.get("value_str"):
        function = f"{function}/{bench['value_str']}" if function else bench["value_str"]
    results.setdefault(bench["group_id"], {})[function] = {
        "median": median["point_estimate"],
        "lo": median["confidence_interval"]["lower_bound"],
        "hi": median["confidence_interval"]["upper_bound"],
        "throughput": bench.get("throughput"),
    }

def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"

def fmt_ci(r):
    return f"{fmt_time(r['lo'])} – {fmt_time(r['hi'])} (±{(r['hi'] - r['lo']) / 2 / r['median'] * 100:.1f} %)"

# workload -> (description, target ratio)
WORKLOADS = {
    "R1_get_by_id": ("R1 get by id", 1.05),
    "R1_get_by_id_held": ("R1 get by id, one held connection each (no pool)", 1.05),
    "R2_find_1": ("R2 find, N = 1", 1.05),
    "R2_find_100": ("R2 find, N = 100", 1.05),
    "R2_find_10000": ("R2 find, N = 10,000", 1.05),
    "W1_insert": ("W1 insert one, no history", 1.05),
    "W1_insert_history": ("W1 insert one, with history", 1.15),
    "W2_update_history": ("W2 update one (version check, update, history)", 1.15),
    "W3_save_all_100_history": ("W3 save_all of 100, with history", 1.15),
    "W3_save_all_1000_history": ("W3 save_all of 1,000, with history", 1.15),
    "W4_patch": ("W4 patch of 1 column, no history", 1.15),
    "W4_patch_history": ("W4 patch of 1 column, with history", 1.15),
}
BACKENDS = ["sqlite", "postgres", "mariadb"]

by_backend = {}
for group, functions in results.items():
    if "/" not in group:
        continue
    workload, backend = group.split("/", 1)
    by_backend.setdefault(backend, {})[workload] = functions

out = []
w = out.append
now = datetime.datetime.now(datetime.timezone.utc)
w("# Benchmark results")
w("")
w("Written by `bash benches/run.sh` (the workloads are defined in `../shared/BENCHMARKS.md`). "
  "Times are criterion's median per operation with its 95 % confidence interval; the ratio is "
  "dal's median over sqlx-by-hand's, with in brackets the range the two intervals allow. "
  "The machine is shared and small: read ratios near the target with their brackets.")
w("")
w("## Machine")
w("")
w(f"- date: {now:%Y-%m-%d %H:%M} UTC")
w(f"- CPU: {cpu_model()}, {os.cpu_count()} cores")
w(f"- memory: {memory()}")
w(f"- OS: {platform.system()} {platform.release()}")
rustc = run("rustc", "--version")
if rustc:
    w(f"- {rustc}")
for name in BACKENDS:
    version, source = versions[name]
    w(f"- {name}: {version or 'unknown'} ({source})")
skipped = lines("SKIPPED")
for name, reason in skipped:
    w(f"- **skipped** {name}: {reason}")
w("")
w("## dal against sqlx by hand")
w("")
w("sqlx by hand runs the same statements (dal's generated constants; the `find` text built once, "
  "the multi-row inserts by sqlx's `QueryBuilder`: the same texts as dal's), the same "
  "transactions and history rows, and "
  "`query_as` into the same struct, on sqlx's own pool sized like dal's (10) without sqlx's "
  "ping before every acquire (dal pings only connections idle for 2 s). Where dal does more "
  "round trips than that work needs, the by-hand code does not copy them.")
pinned = os.environ.get("DAL_BENCH_PINNED", "")
w("")
if pinned:
    w(f"The benchmark process ran pinned to CPU {pinned} (`taskset`; the servers were not pinned): "
      "unpinned, SQLite's time per statement is mostly cross-core wake-ups of sqlx's SQLite "
      "worker thread, which vary with thread placement and swamp what dal costs.")
else:
    w("The benchmark process was not pinned to a CPU: SQLite's figures include cross-core "
      "wake-ups of sqlx's SQLite worker thread and vary with thread placement.")
w("`R1 … held connection` runs both sides on one connection held for the whole measurement "
  "(no pool on either side): the cost of dal's query path and mapping alone.")
checks = lines("SQLCHECK")
if checks:
    same = all(c[2] == "same" for c in checks)
    w("")
    w("SQL text check (PostgreSQL's `pg_stat_activity` after one run of dal's `find`): "
      + ("the by-hand text is dal's for " + ", ".join(c[0] for c in checks) + "." if same
         else "; ".join(f"{c[0]}: {c[2]}" for c in checks)))
for backend in BACKENDS + sorted(set(by_backend) - set(BACKENDS)):
    if backend not in by_backend:
        continue
    w("")
    w(f"### {backend}")
    w("")
    w("| workload | dal median | dal 95 % CI | sqlx median | sqlx 95 % CI | dal / sqlx | target |")
    w("|---|---:|---|---:|---|---:|---|")
    workloads = by_backend[backend]
    order = [k for k in WORKLOADS if k in workloads] + sorted(set(workloads) - set(WORKLOADS))
    for key in order:
        f = workloads[key]
        label, target = WORKLOADS.get(key, (key, None))
        d, s = f.get("dal"), f.get("sqlx")
        cells = [label]
        cells += [fmt_time(d["median"]), fmt_ci(d)] if d else ["–", "–"]
        cells += [fmt_time(s["median"]), fmt_ci(s)] if s else ["–", "–"]
        if d and s:
            ratio = d["median"] / s["median"]
            cells.append(f"**{ratio:.2f}** ({d['lo'] / s['hi']:.2f}–{d['hi'] / s['lo']:.2f})")
            cells.append(f"≤ {target:.2f} {'✓' if ratio <= target else '✗'}" if target else "")
        else:
            cells += ["–", ""]
        w("| " + " | ".join(cells) + " |")

r0 = {g: f for g, f in results.items() if g.startswith("R0")}
if r0:
    w("")
    w("## R0: pool overhead (PostgreSQL)")
    w("")
    w("Get by id, `tasks` concurrent tasks of 100 gets each per iteration. Rate = gets per second "
      "from the median; the ratio is against dedicated sqlx connections (one per task, no pool). "
      "Target: dal's pool >= 0.9x dedicated.")
    for group, functions in sorted(r0.items()):
        w("")
        w("| system | tasks | median per iteration | 95 % CI | gets/s | / dedicated |")
        w("|---|---:|---:|---|---:|---:|")
        def key(item):
            name, tasks = (item[0].split("/") + [""])[:2]
            return (int(tasks) if tasks.isdigit() else 0, name)
        for name, r in sorted(functions.items(), key=key):
            system, tasks = (name.split("/") + [""])[:2]
            elements = (r["throughput"] or {}).get("Elements")
            rate = elements / (r["median"] / 1e9) if elements else None
            base = functions.get(f"sqlx_dedicated/{tasks}")
            rel = base["median"] / r["median"] if base else None
            w(f"| {system} | {tasks} | {fmt_time(r['median'])} | {fmt_ci(r)} | "
              f"{f'{rate:,.0f}' if rate else '–'} | {f'{rel:.2f}x' if rel else '–'} |")

p1 = lines("P1")
if p1:
    w("")
    w("## P1: pool contention (PostgreSQL)")
    w("")
    rows = []
    for fields in p1:
        name, rest = fields[0], dict(f.split("=", 1) for f in fields[1:])
        rows.append((name, rest))
    first = rows[0][1]
    w(f"{first.get('tasks')} tasks in a closed loop for {first.get('secs')} s on a pool of "
      f"{first.get('pool')}, each operation acquire + `SELECT 1` + release. Fairness = fewest "
      "operations of any task / mean per task. Targets: dal within 10 % of sqlx's pool; "
      "fairness >= 0.8.")
    w("")
    w("| pool | ops/s | / sqlx default | fairness | acquire wait p50 | p99 |")
    w("|---|---:|---:|---:|---:|---:|")
    base = next((float(r["ops_per_s"]) for n, r in rows if n == "sqlx_pool_default"), None)
    for name, r in rows:
        ops = float(r["ops_per_s"])
        rel = f"{ops / base:.2f}x" if base else "–"
        w(f"| {name} | {ops:,.0f} | {rel} | {float(r['fairness']):.2f} | "
          f"{fmt_time(float(r['p50_us']) * 1e3)} | {fmt_time(float(r['p99_us']) * 1e3)} |")

open(out_path, "w", encoding="utf-8").write("\n".join(out) + "\n")
print(f"wrote {out_path}")
PY
