#!/usr/bin/env bash
# B1 of ../shared/BENCHMARKS.md: what `#[derive(Entity)]` costs at build time. Generates two
# throwaway crates under the target directory, each with 50 structs of 6-8 fields that depend
# on dal by path: one with `#[derive(Entity)]`, one with the derive (and its attributes)
# removed. Both build their dependencies first; then each crate's own compile is timed
# (`touch src/lib.rs` + `cargo build`, B1_RUNS times, the median). Per-entity cost =
# (with - without) / 50. Prints `B1|…` lines that run.sh reads.
#
#   bash benches/b1_build_cost.sh              # B1_ENTITIES=50 B1_RUNS=3 by default
#
# The crates live in $CARGO_TARGET_DIR/b1-build-cost (default ~/.cache/dal/target), outside
# the workspace (each has an empty [workspace] table), share one target directory there so
# that dal is built once, and use this workspace's Cargo.lock (so nothing is resolved anew).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$HOME/.cache/dal/target}"
work="$target/b1-build-cost"
entities="${B1_ENTITIES:-50}"
runs="${B1_RUNS:-3}"
mkdir -p "$work"

# generate DIR NAME DERIVE(yes|no): a library crate with $entities structs.
generate() {
  local dir="$1" name="$2" derive="$3"
  mkdir -p "$dir/src"
  cat >"$dir/Cargo.toml" <<EOF
[package]
name = "$name"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
dal = { path = "$root/dal" }

[workspace]

# As in dal's workspace: dependencies optimised a little, our own crate not.
[profile.dev.package."*"]
opt-level = 1
debug = false

[profile.dev]
debug = "line-tables-only"
EOF
  cp "$root/Cargo.lock" "$dir/Cargo.lock"
  python3 - "$dir/src/lib.rs" "$entities" "$derive" <<'PY'
import sys
path, n, derive = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "yes"
out = ["//! B1: generated entities (see benches/b1_build_cost.sh).",
       "#![allow(missing_docs, dead_code)]", "",
       "use dal::prelude::*;" if derive else "use dal::types::{DateTime, Utc, Uuid};", ""]
for i in range(n):
    fields = [("id", "Uuid"), ("name", "String"), ("email", "String"), ("age", "Option<i32>"),
              ("score", "i64"), ("created_at", "DateTime<Utc>")]
    # 6, 7 or 8 fields, in turn.
    if i % 3 >= 1:
        fields.append(("active", "bool"))
    if i % 3 == 2:
        fields.append(("note", "Option<String>"))
    if derive:
        out += ["#[derive(Entity, Debug, Clone, PartialEq)]", f'#[dal(table = "b1_entity_{i}")]']
    else:
        out += ["#[derive(Debug, Clone, PartialEq)]"]
    out.append(f"pub struct Entity{i} {{")
    for j, (f, t) in enumerate(fields):
        if j == 0 and derive:
            out.append("    #[dal(id)]")
        out.append(f"    pub {f}: {t},")
    out += ["}", ""]
open(path, "w").write("\n".join(out))
PY
}

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# own_build_secs DIR: builds DIR once (dependencies), then times $runs rebuilds of the crate.
own_build_secs() {
  local dir="$1" times=()
  # Output to stderr: stdout carries the figure.
  (cd "$dir" && { cargo build --offline --quiet --target-dir "$work/target" ||
    cargo build --quiet --target-dir "$work/target"; }) 1>&2
  for _ in $(seq "$runs"); do
    touch "$dir/src/lib.rs"
    local start end
    start="$(date +%s.%N)"
    (cd "$dir" && cargo build --offline --quiet --target-dir "$work/target") 1>&2
    end="$(date +%s.%N)"
    times+=("$(python3 -c "print($end - $start)")")
  done
  printf '%s\n' "${times[@]}" | median
}

generate "$work/with_derive" b1_with_derive yes
generate "$work/without_derive" b1_without_derive no
with="$(own_build_secs "$work/with_derive")"
without="$(own_build_secs "$work/without_derive")"
per_entity_ms="$(python3 -c "print(($with - $without) * 1000 / $entities)")"
printf 'B1|with_derive|entities=%s|runs=%s|secs=%.3f\n' "$entities" "$runs" "$with"
printf 'B1|without_derive|entities=%s|runs=%s|secs=%.3f\n' "$entities" "$runs" "$without"
printf 'B1|per_entity|ms=%.1f\n' "$per_entity_ms"
