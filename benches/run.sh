#!/usr/bin/env bash
# Runs dal's benchmark suite and writes benches/RESULTS.md: the machine, the date, the backend
# versions, then per backend each workload's median and its 95 % confidence interval for dal
# and for sqlx by hand, the ratio dal / sqlx and the target of ../shared/BENCHMARKS.md (met or
# not); then R0, R0c, P1, D1, S1, L1, M1, C1 (and the peers and B1 when asked for).
#
#   bash benches/run.sh                  # R0, R1-W4, P1, D1, S1, L1, T1, A1, M1, C1: ~24 min on 2 cores
#   bash benches/run.sh --peers          # also SeaORM and Diesel (the `peers` feature): +~10 min
#   bash benches/run.sh --b1             # also B1, the build cost of #[derive(Entity)]: +~5 min
#   bash benches/run.sh R1_get_by_id     # other arguments go to the benchmarks (a name filter)
#
# Only results of this run go in the file (criterion's older results in the target directory
# are left out). A backend whose server is down is listed as skipped.
#
# DAL_BENCH_LOG=<file> DAL_BENCH_SINCE=<epoch seconds> runs nothing and writes the report from
# that log and the criterion results newer than that time (DAL_BENCH_OUT: another file than
# RESULTS.md), e.g. after short smoke runs of single benchmarks.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."

peers=""
b1=""
args=()
for a in "$@"; do
  case "$a" in
    --peers) peers=1 ;;
    --b1) b1=1 ;;
    *) args+=("$a") ;;
  esac
done
# Every cargo command of a run builds with the same features, so nothing is rebuilt between.
features=()
if [[ -n "$peers" ]]; then
  features=(--features peers)
fi

# As in .ci/run: builds outlive the clone, so repeated runs on one machine reuse them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dal/target}"
export CARGO_TERM_COLOR=never

# The workloads run pinned to one CPU (DAL_BENCH_CPU, 0 by default; empty: not pinned). The
# servers are not pinned. Unpinned, SQLite's time per statement is mostly the wake-ups of
# sqlx's SQLite worker thread across the two cores, which vary with thread placement and
# swamp what dal itself costs. R0, P1, M1 and C1 are about concurrency or memory and always
# run unpinned.
pin=()
cpu="${DAL_BENCH_CPU-0}"
if [[ -n "$cpu" ]] && command -v taskset >/dev/null; then
  pin=(taskset -c "$cpu")
else
  cpu=""
fi

out_file="${DAL_BENCH_OUT:-$here/RESULTS.md}"

bench() {
  # bench NAME [pinned]: one benchmark binary, its output in the log.
  local name="$1" how="${2:-}"
  local cmd=(cargo bench -p benches "${features[@]}" --bench "$name" -- "${args[@]}")
  if [[ "$how" == pinned ]]; then
    cmd=("${pin[@]}" "${cmd[@]}")
  fi
  "${cmd[@]}" 2>&1 | tee -a "$log"
}

# T1's reference: libpq's own TLS cost on the same PostgreSQL server, `pgbench -S -M prepared`
# (select-only, prepared) with PGSSLMODE=require against disable, at 1 and 8 clients, 10 s each.
pgbench_tls() {
  local pg="${DAL_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
  if ! command -v pgbench >/dev/null; then
    echo "SKIPPED|pgbench|no pgbench on the PATH" | tee -a "$log"
    return
  fi
  PGSSLMODE=disable pgbench -i -s 10 -q "$pg" >/dev/null 2>&1 || true
  local clients mode tps
  for clients in 1 8; do
    for mode in disable require; do
      tps="$(PGSSLMODE=$mode pgbench -n -S -M prepared -c "$clients" -j "$clients" -T 10 "$pg" 2>/dev/null \
        | awk '/^tps/ {print $3; exit}')"
      echo "PGBENCH|$clients|$mode|${tps:-failed}" | tee -a "$log"
    done
  done
}

run_suite() {
  cargo bench -p benches "${features[@]}" --no-run 2>&1 | tee "$log"
  bench r0_pool
  bench r0c_cpu
  bench workloads pinned
  bench d1_diesel_bench pinned
  bench s1_blocking pinned
  bench l1_placeholders pinned
  bench pooler pinned
  bench t1_tls pinned
  bench a1_ambient pinned
  pgbench_tls
  bench p1_contention
  if [[ -n "$peers" ]]; then
    bench peers pinned
  fi
  # M1 and C1 take no name filter: they are one measurement each.
  cargo bench -p benches "${features[@]}" --bench m1_memory 2>&1 | tee -a "$log"
  # C1: the capacity check's table (its progress bars go to stderr, which is not kept).
  cargo build --release -p examples --bin capacity 2>&1 | tee -a "$log"
  local out
  if out="$(cargo run --release -q -p examples --bin capacity)"; then
    printf '%s\n' "$out" | sed 's/^/C1|/' | tee -a "$log"
  else
    echo "SKIPPED|C1|the capacity check failed (is PostgreSQL running?)" | tee -a "$log"
  fi
  if [[ -n "$b1" ]]; then
    bash "$here/b1_build_cost.sh" 2>&1 | tee -a "$log"
  fi
}

if [[ -n "${DAL_BENCH_LOG:-}" ]]; then
  log="$DAL_BENCH_LOG"
  started="${DAL_BENCH_SINCE:-0}"
else
  log="$(mktemp -t dal-bench-XXXXXX.log)"
  trap 'rm -f "$log"' EXIT
  started="$(date +%s)"
  run_suite
fi

DAL_BENCH_PINNED="$cpu" python3 - "$log" "$started" "$CARGO_TARGET_DIR/criterion" "$out_file" <<'PY'
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
    "R3_medium_query": ("R3 medium query (posts of users by name pattern, join, 100 rows)", 1.15),
    "W1_insert": ("W1 insert one, no history", 1.05),
    "W1_insert_history": ("W1 insert one, with history", 1.15),
    "W2_update_history": ("W2 update one (version check, update, history)", 1.15),
    "W3_save_all_100_history": ("W3 save_all of 100, with history", 1.15),
    "W3_save_all_1000_history": ("W3 save_all of 1,000, with history", 1.15),
    "W4_patch": ("W4 patch of 1 column, no history", 1.15),
    "W4_patch_history": ("W4 patch of 1 column, with history", 1.15),
}
BACKENDS = ["sqlite", "postgres", "mariadb"]

# Groups with a section of their own below, not in the per-backend dal / sqlx tables.
OWN_SECTIONS = ("D1_", "S1_", "L1_", "peers_", "pooler_", "T1_", "A1_")

by_backend = {}
for group, functions in results.items():
    if "/" not in group or group.startswith(OWN_SECTIONS):
        continue
    workload, backend = group.split("/", 1)
    by_backend.setdefault(backend, {})[workload] = functions

def section(prefix):
    """backend -> workload -> functions, for the groups `<prefix>…/<backend>`."""
    found = {}
    for group, functions in results.items():
        if group.startswith(prefix) and "/" in group:
            workload, backend = group.split("/", 1)
            found.setdefault(backend, {})[workload] = functions
    return found

def ratio_cells(a, b, target=None, at_least=False):
    """`a / b` with the range the intervals allow, and the target met or not."""
    if not (a and b):
        return ["–", ""]
    ratio = a["median"] / b["median"]
    cell = f"**{ratio:.2f}** ({a['lo'] / b['hi']:.2f}–{a['hi'] / b['lo']:.2f})"
    if target is None:
        return [cell, ""]
    met = ratio >= target if at_least else ratio <= target
    return [cell, f"{'≥' if at_least else '≤'} {target:.2f} {'✓' if met else '✗'}"]

def median_cell(r):
    return f"{fmt_time(r['median'])} (±{(r['hi'] - r['lo']) / 2 / r['median'] * 100:.0f} %)" if r else "–"

def workload_key(name):
    """Orders `…_<N>` workloads by N."""
    head, _, tail = name.rpartition("_")
    return (head, int(tail)) if tail.isdigit() else (name, 0)

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
# Every benchmark binary names a backend it skipped: once each.
skipped = {l[0]: "|".join(l[1:]) for l in lines("SKIPPED") if l[0] != "C1"}
for name, reason in skipped.items():
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

r0c = lines("R0C")
if r0c:
    import statistics
    w("")
    w("## R0c: client CPU per query (PostgreSQL)")
    w("")
    w("R0's get by id, 4,000 gets per measurement split over `tasks` tasks, measured as this "
      "process's CPU time (`CLOCK_PROCESS_CPUTIME_ID`, every thread; the server is another "
      "process) per query, and wall time per query. Rounds interleave every system and task "
      "count; the figures are medians of the rounds. dal's pool holds 8 connections (as in R0); "
      "dedicated = one sqlx connection per task; sqlx's pool has default options. Target: dal's "
      "CPU per query at most 1.10x dedicated.")
    w("")
    w("| tasks | system | CPU / query | wall / query | rounds | CPU / dedicated | target |")
    w("|---:|---|---:|---:|---:|---:|---|")
    by = {}
    for f in r0c:
        system, tasks, _round, rest = f[0], int(f[1]), f[2], dict(x.split("=", 1) for x in f[3:])
        by.setdefault((tasks, system), []).append(
            (int(rest["cpu_ns_per_query"]), int(rest["wall_ns_per_query"])))
    med = {k: (statistics.median(c for c, _ in v), statistics.median(x for _, x in v), len(v))
           for k, v in by.items()}
    order = {"dal_pool": 0, "sqlx_dedicated": 1, "sqlx_pool_default": 2}
    for (tasks, system), (cpu, wall, n) in sorted(med.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 9))):
        base = med.get((tasks, "sqlx_dedicated"))
        ratio = cpu / base[0] if base else None
        target = ""
        if system == "dal_pool" and ratio is not None:
            target = f"≤ 1.10 {'✓' if ratio <= 1.10 else '✗'}"
        w(f"| {tasks} | {system} | {cpu / 1000:.1f} µs | {wall / 1000:.1f} µs | {n} | "
          f"{f'{ratio:.2f}x' if ratio else '–'} | {target} |")

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


d1 = section("D1_")
if d1:
    w("")
    w("## D1: diesel_bench set")
    w("")
    w("The four workloads of Diesel's own `diesel_bench` suite, each system on one connection held "
      "for the whole measurement (as `diesel_bench` runs them): trivial query (every user of a table "
      "of N), medium complex query (N users, black or brown hair, left join their posts, the "
      "black-haired ones; as in `diesel_bench` there are no posts), insert N (one statement), loading "
      "associations (100 users, 1,000 posts, 10,000 comments, grouped in memory). dal: `find()`, "
      "`sql_as!`, `save_all` (entities with database-assigned ids go in one statement each, to "
      "read each id back; the `execute_many` rows are the raw multi-row insert), and for loading "
      "associations the relation API, `find().with(D1User::POSTS.with(D1Post::COMMENTS))` (one "
      "statement per level); sqlx by hand: `query_as` and `QueryBuilder`; "
      "Diesel (with `--peers`): diesel-async's query DSL, `belonging_to` + `grouped_by`. Medians with "
      "the half-width of their 95 % interval. Targets: dal / sqlx ≤ 1.10 on every workload; dal at "
      "or below Diesel on the trivial query with 10,000 rows and on loading associations.")
    for backend in BACKENDS + sorted(set(d1) - set(BACKENDS)):
        if backend not in d1:
            continue
        w("")
        w(f"### {backend}")
        w("")
        w("| workload | dal | sqlx | diesel | dal / sqlx | target | dal / diesel | target |")
        w("|---|---:|---:|---:|---:|---|---:|---|")
        for key in sorted(d1[backend], key=workload_key):
            f = d1[backend][key]
            d, s_, di = f.get("dal"), f.get("sqlx"), f.get("diesel")
            cells = [key.removeprefix("D1_").replace("_", " "), median_cell(d), median_cell(s_), median_cell(di)]
            cells += ratio_cells(d, s_, 1.10)
            cells += ratio_cells(d, di, 1.00 if key in ("D1_trivial_query_10000", "D1_loading_associations") else None)
            w("| " + " | ".join(cells) + " |")
            # Other ways of writing the workload with dal (e.g. `dal_execute_many`), in the dal column.
            for extra in sorted(set(f) - {"dal", "sqlx", "diesel"}):
                x = f[extra]
                cells = [f"{key.removeprefix('D1_').replace('_', ' ')}, `{extra.removeprefix('dal_')}`",
                         median_cell(x), median_cell(s_), median_cell(di)]
                cells += ratio_cells(x, s_, 1.10) + ratio_cells(x, di)
                w("| " + " | ".join(cells) + " |")

peer = section("peers_")
if peer:
    w("")
    w("## Peers: SeaORM and Diesel")
    w("")
    w("The same `bench_users` table and data, each system on its own pool of 10 without a ping "
      "before every acquire: dal, sqlx by hand, SeaORM 2.0 (`find`, `insert`, `insert_many`) and "
      "Diesel 2.3 through diesel-async (deadpool, `RecyclingMethod::Fast`; SQLite through "
      "`SyncConnectionWrapper`). Peers write no history, so W1 and W3 are without history; "
      "`dal (history)` is dal's `save_all` with history. The W3 target (dal's `save_all` of 1,000 at "
      "least 2x faster than SeaORM's `insert_many`) is marked for dal without history (the same "
      "rows) / with history (W3 as defined). Ratios are against sqlx by hand of the same run.")
    for backend in BACKENDS + sorted(set(peer) - set(BACKENDS)):
        if backend not in peer:
            continue
        w("")
        w(f"### {backend}")
        w("")
        w("| workload | dal | sqlx | seaorm | diesel | dal / sqlx | target | seaorm / sqlx | diesel / sqlx | seaorm / dal | seaorm / dal (history) | W3 target |")
        w("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|")
        for key in sorted(peer[backend], key=workload_key):
            f = peer[backend][key]
            d, s_, so, di = f.get("dal"), f.get("sqlx"), f.get("seaorm"), f.get("diesel")
            dh = f.get("dal_with_history")
            name = key.removeprefix("peers_")
            target = WORKLOADS.get(name, (None, 1.05 if name.startswith(("R1", "R2", "W1")) else 1.15))[1]
            if name.startswith("W3"):
                target = 1.15
            cells = [name.replace("_", " "), median_cell(d), median_cell(s_), median_cell(so), median_cell(di)]
            cells += ratio_cells(d, s_, target)
            cells += [ratio_cells(so, s_)[0], ratio_cells(di, s_)[0]]
            if dh:
                by_plain, by_history = ratio_cells(so, d, 2.0, at_least=True), ratio_cells(so, dh, 2.0, at_least=True)
                cells += [by_plain[0], by_history[0], f"{by_plain[1]} / {by_history[1]}"]
            else:
                cells += ["–", "–", ""]
            w("| " + " | ".join(cells) + " |")

pool = section("pooler_")
if pool:
    w("")
    w("## Transaction-pooler mode (PostgreSQL)")
    w("")
    w("What `transaction_pooler` (needed behind PgBouncer in transaction mode) costs, all dal, in one run: "
      "`prepared` is the default (statements prepared once per connection and cached), `unnamed` "
      "prepares each statement for its run only (`statement_cache_capacity=0`, two round trips), "
      "`inline` is the pooler mode straight to the server (one simple-protocol message, values "
      "written in, parsed and planned every time, rows in text), and `pgbouncer` is the pooler mode "
      "through a real PgBouncer 1.x in transaction pooling mode, its hop included.")
    w("")
    w("| workload | prepared | unnamed | inline | through PgBouncer | inline / prepared | PgBouncer / prepared |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    for backend, workloads in sorted(pool.items()):
        for key in sorted(workloads, key=workload_key):
            f = workloads[key]
            p, u, i, b = (f.get(n) for n in ("prepared", "unnamed", "inline", "pgbouncer"))
            cells = [key.removeprefix("pooler_").replace("_", " "), median_cell(p), median_cell(u),
                     median_cell(i), median_cell(b), ratio_cells(i, p)[0], ratio_cells(b, p)[0]]
            w("| " + " | ".join(cells) + " |")

t1 = section("T1_")
if t1:
    w("")
    w("## T1: the cost of TLS")
    w("")
    w("R1 get by id over TLS and in plaintext to the same server, for dal and for sqlx by hand, in one "
      "run: PostgreSQL is the machine's server (`sslmode=require` against `disable`), MariaDB the "
      "tests' own TLS server (`ssl-mode=REQUIRED` against `DISABLED`). Targets: dal over TLS within "
      "1.05x of sqlx over TLS, and dal's TLS / plaintext ratio no worse than libpq's own in the same "
      "run (`pgbench -S -M prepared` at 1 client, the same single caller as R1; 8 clients shown for "
      "reference). Client and server share the machine's two cores, so encryption costs both.")
    w("")
    w("| backend | dal TLS | dal plain | sqlx TLS | sqlx plain | dal TLS / sqlx TLS | target | dal TLS / plain | sqlx TLS / plain |")
    w("|---|---:|---:|---:|---:|---:|---|---:|---:|")
    dal_overheads = {}
    for backend, workloads in sorted(t1.items()):
        f = workloads.get("T1_get_by_id", {})
        dt, dp, st, sp = (f.get(n) for n in ("dal_tls", "dal_plain", "sqlx_tls", "sqlx_plain"))
        cells = [backend, median_cell(dt), median_cell(dp), median_cell(st), median_cell(sp)]
        cells += ratio_cells(dt, st, 1.05)
        cells += [ratio_cells(dt, dp)[0], ratio_cells(st, sp)[0]]
        if dt and dp:
            dal_overheads[backend] = dt["median"] / dp["median"]
        w("| " + " | ".join(cells) + " |")
    pgb = {}
    for clients, mode, tps in lines("PGBENCH"):
        try:
            pgb.setdefault(clients, {})[mode] = float(tps)
        except ValueError:
            pass
    if pgb:
        w("")
        w("libpq (pgbench, same run): time per transaction with TLS over without.")
        w("")
        w("| clients | tps plain | tps TLS | TLS / plain | dal's PostgreSQL TLS / plain | met |")
        w("|---:|---:|---:|---:|---:|---|")
        for clients in sorted(pgb, key=int):
            m = pgb[clients]
            if "disable" in m and "require" in m and m["require"] > 0:
                libpq = m["disable"] / m["require"]
                dal_r = dal_overheads.get("postgres")
                met = "" if dal_r is None or clients != "1" else ("✓" if dal_r <= libpq else "✗")
                dal_cell = f"{dal_r:.2f}" if dal_r is not None and clients == "1" else ""
                w(f"| {clients} | {m['disable']:.0f} | {m['require']:.0f} | **{libpq:.2f}** | {dal_cell} | {met} |")

s1 = section("S1_")
if s1:
    w("")
    w("## S1: blocking SQLite")
    w("")
    w("`dal::blocking` against rusqlite by hand on the same SQLite file: get by id of a `User` (the "
      "statement dal runs, `prepare_cached`), and D1's trivial query into `D1User`. rusqlite runs on "
      "the calling thread; `dal::blocking` hands each call to its runtime and sqlx's SQLite worker "
      "thread. Target: within 1.2x of rusqlite.")
    w("")
    w("| workload | dal::blocking | rusqlite | dal / rusqlite | target |")
    w("|---|---:|---:|---:|---|")
    for backend, workloads in sorted(s1.items()):
        for key in sorted(workloads, key=workload_key):
            f = workloads[key]
            d, r = f.get("dal_blocking"), f.get("rusqlite")
            cells = [key.removeprefix("S1_").replace("_", " "), median_cell(d), median_cell(r)]
            cells += ratio_cells(d, r, 1.2)
            w("| " + " | ".join(cells) + " |")

l1 = section("L1_")
if l1:
    w("")
    w("## L1: placeholder rewriting")
    w("")
    w("Run-time `?` rewriting of a 2 KB statement (`Dialect::rewrite_placeholders`, which "
      "`db.query(text)` runs before sending), in MB/s; and building the same statement with its 8 "
      "arguments: `sql!` (rewritten at compile time; at run time it only picks the dialect's "
      "text), `db.query(CONSTANT)` with `.bind`s (a `&'static str` constant), and the latter plus "
      "the rewrite it runs before it is sent. `sql!` costs what a constant costs.")
    w("")
    w("| dialect | rewrite | MB/s | `sql!` | `&'static str` | `&'static str` + rewrite |")
    w("|---|---:|---:|---:|---:|---:|")
    for backend in BACKENDS:
        rw = l1.get(backend, {}).get("L1_rewrite", {}).get("rewrite_placeholders")
        mac = l1.get(backend, {}).get("L1_sql_macro", {})
        if not (rw or mac):
            continue
        mbps = "–"
        if rw and (rw.get("throughput") or {}).get("Bytes"):
            mbps = f"{rw['throughput']['Bytes'] / (rw['median'] / 1e9) / 1e6:,.0f}"
        w(f"| {backend} | {median_cell(rw)} | {mbps} | {median_cell(mac.get('sql_macro'))} | "
          f"{median_cell(mac.get('static_str'))} | {median_cell(mac.get('static_str_rewritten'))} |")

a1 = lines("A1")
if a1:
    import statistics
    w("")
    w("## A1: the transaction that follows the task")
    w("")
    w("W1 (insert one `User`) and W2 (update one `HistoryUser`: version check, update, history "
      "row), each in an `#[auto_transaction]`, in the same run: `service` is a method on `&self` "
      "of a service holding its `Database` in a field (the scope begins at the body's first "
      "statement, found through the task's ambient scope); `handle_param` is a function taking "
      "`db: &Database` (the scope begins on entry; the body runs on the transaction's handle). "
      "Each measurement is 400 transactions; the two forms alternate within every round (ABBA "
      "across rounds). Per transaction: this process's CPU time (`CLOCK_PROCESS_CPUTIME_ID`, "
      "every thread; SQLite runs in-process for both forms) and wall time. Ratios are medians "
      "over rounds of each round's service / handle_param. Target: at most 1.03 (CPU, the cost "
      "the forms differ in; wall time mostly measures the server's commit).")
    w("")
    w("| backend | workload | CPU service | CPU handle_param | CPU ratio | wall service | wall handle_param | wall ratio | rounds | target |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    by = {}
    for f in a1:
        backend, workload, rnd, form = f[0], f[1], int(f[2]), f[3]
        rest = dict(x.split("=", 1) for x in f[4:])
        by.setdefault((backend, workload), {}).setdefault(rnd, {})[form] = (
            int(rest["cpu_ns"]), int(rest["wall_ns"]))
    for (backend, workload), rounds in sorted(by.items(), key=lambda kv: (BACKENDS.index(kv[0][0]) if kv[0][0] in BACKENDS else 9, kv[0][1])):
        pairs = [r for r in rounds.values() if "service" in r and "handle_param" in r]
        if not pairs:
            continue
        med = lambda form, i: statistics.median(r[form][i] for r in pairs)
        cpu_ratio = statistics.median(r["service"][0] / r["handle_param"][0] for r in pairs)
        wall_ratio = statistics.median(r["service"][1] / r["handle_param"][1] for r in pairs)
        target = f"≤ 1.03 {'✓' if cpu_ratio <= 1.03 else '✗'}"
        w(f"| {backend} | {workload.replace('_', ' ')} | {med('service', 0) / 1000:.1f} µs | "
          f"{med('handle_param', 0) / 1000:.1f} µs | **{cpu_ratio:.3f}** | "
          f"{med('service', 1) / 1000:.1f} µs | {med('handle_param', 1) / 1000:.1f} µs | "
          f"{wall_ratio:.3f} | {len(pairs)} | {target} |")

m1 = lines("M1")
if m1:
    w("")
    w("## M1: memory of R2 with N = 10,000")
    w("")
    w("One call of R2 (10,000 rows into `User`), counted by a global allocator wrapping `System` "
      "(every thread), each system in a child process of its own: allocations (and reallocations) "
      "per row and bytes allocated per row (medians of 5 calls after one warm-up), the process's "
      "peak RSS and its growth over the RSS before the first call. Target: dal's allocations per "
      "row at most sqlx by hand's + 1.")
    w("")
    w("| backend | system | allocations / row | bytes / row | peak RSS | RSS growth | target |")
    w("|---|---|---:|---:|---:|---:|---|")
    m1_rows = [(f[0], f[1], dict(x.split("=", 1) for x in f[2:])) for f in m1]
    base = {b: float(r["allocs_per_row"]) for b, sys_, r in m1_rows if sys_ == "sqlx"}
    for backend, system, r in m1_rows:
        per_row = float(r["allocs_per_row"])
        target = ""
        if system == "dal" and backend in base:
            target = f"≤ {base[backend] + 1:.2f} {'✓' if per_row <= base[backend] + 1 else '✗'}"
        w(f"| {backend} | {system} | {per_row:.2f} | {float(r['bytes_per_row']):,.0f} | "
          f"{int(r['peak_rss_kib']) / 1024:.1f} MiB | {int(r['rss_growth_kib']) / 1024:.1f} MiB | {target} |")

c1 = [l.split("|", 1)[1] for l in log if l.startswith("C1|")]
if c1:
    import re
    w("")
    w("## C1: capacity (PostgreSQL)")
    w("")
    w("`cargo run --release -p examples --bin capacity`: 20 connections, each query "
      "`SELECT pg_sleep(0.1)`, offered load stepped up to 1.3x the theoretical 200 queries/s "
      "(open loop, 3 s per step). Target: >= 95 % of theoretical up to the theoretical rate with "
      "the scaling signal still `normal`. MariaDB: the capacity check runs on PostgreSQL only.")
    w("")
    w("| offered q/s | achieved q/s | of theoretical | of offered | errors | p50 | p99 | signal |")
    w("|---:|---:|---:|---:|---|---:|---:|---|")
    step = re.compile(r"^\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)%\s*\|\s*(.*?)\s*\|\s*(.*?)\s*\|\s*(.*?)\s*\|\s*(.*)$")
    verdict = []
    for l in c1:
        m = step.match(l)
        if m:
            offered, achieved, pct, errors, p50, p99, signal = m.groups()
            of_offered = float(achieved) / float(offered) * 100 if float(offered) else 0
            w(f"| {float(offered):.0f} | {float(achieved):.1f} | {float(pct):.1f} % | {of_offered:.1f} % | "
              f"{errors} | {p50} | {p99} | {signal.strip()} |")
        elif l.startswith(("best achieved", "no step", "signal after", "theoretical")):
            verdict.append(l)
    if verdict:
        w("")
        for l in verdict:
            w(f"- {l}" + (" ✓" if "reached 95" in l and "did not" not in l else (" ✗" if "did not reach" in l or l.startswith("no step") else "")))
skipped_c1 = [r for n, r in lines("SKIPPED") if n == "C1"]
if skipped_c1 and not c1:
    w("")
    w("## C1: capacity (PostgreSQL)")
    w("")
    w(f"Not measured: {skipped_c1[0]}")

b1 = lines("B1")
if b1:
    w("")
    w("## B1: build cost of `#[derive(Entity)]`")
    w("")
    w("`bash benches/b1_build_cost.sh`: a generated crate of 50 entities (6-8 fields) with "
      "`#[derive(Entity)]` and the same crate with the derive removed, both depending on dal by "
      "path; each crate's own `cargo build` (debug) after its dependencies, median of the runs.")
    w("")
    fields = {f[0]: dict(x.split("=", 1) for x in f[1:]) for f in b1}
    wd, wo, pe = fields.get("with_derive", {}), fields.get("without_derive", {}), fields.get("per_entity", {})
    w("| crate | entities | build of the crate alone |")
    w("|---|---:|---:|")
    w(f"| with `#[derive(Entity)]` | {wd.get('entities', '–')} | {wd.get('secs', '–')} s |")
    w(f"| derive removed | {wo.get('entities', '–')} | {wo.get('secs', '–')} s |")
    w("")
    w(f"Per entity: **{pe.get('ms', '–')} ms** (no target in BENCHMARKS.md).")

open(out_path, "w", encoding="utf-8").write("\n".join(out) + "\n")
print(f"wrote {out_path}")
PY
