#!/usr/bin/env bash
# Client CPU per record against a real KServe server, four sides in turn: this checkout's
# TritonModelClient (the anchors' Java Bench), the two Java floors of HttpFloor (a minimal socket
# client, OkHttp's execute() alone) and NVIDIA's Python client (the anchors' bench_triton.py).
# Sequential calls, binary tensors, after a warm-up; the order of the sides rotates from run to run.
#
# Needs the anchors set up (their setup.sh: ANCHORS_HOME holds harness/target/classes,
# harness/target/classpath.txt and tclient/) and their server started (start-server.sh), and this
# checkout built:   mvn -B -q -pl benchmarks -am package -DskipTests
#
# Usage: [WORKLOADS="addsub64 norm64 addsub1"] [ANCHORS_HOME=/tmp/flink-triton-anchors]
#        [ANCHORS_DIR=/work/shared/anchors] [ANCHORS_PORT=8080] [CLIENT_PYTHON=/usr/bin/python3]
#        [KSERVE_PID=pid] [JAVA_OPTS=...] [REQUESTS=n] \
#          benchmarks/real-server.sh [RUNS=3] [JAVA_WARMUP_S=60] [PY_WARMUP_S=10]
# Requests per run as the anchors: addsub64 5000, norm64 1000, addsub1 10000; REQUESTS=n sends n
# for every workload instead (short smoke runs: their figures are not measurements).
# Results: ANCHORS_HOME/results/floor-<time>.jsonl (one JSON line per run, with the run number and
# the load average before it) and floor-<time>.md (the tables printed at the end).
set -uo pipefail

info() { echo "$(basename "$0"): $*" >&2; }
die() { echo "$(basename "$0"): ERROR: $*" >&2; exit 1; }

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ANCHORS_HOME=${ANCHORS_HOME:-/tmp/flink-triton-anchors}
ANCHORS_DIR=${ANCHORS_DIR:-/work/shared/anchors}
PORT=${ANCHORS_PORT:-8080}
CLIENT_PYTHON=${CLIENT_PYTHON:-/usr/bin/python3}
export ANCHORS_HOME # bench_triton.py imports tritonclient from ANCHORS_HOME/tclient

RUNS=${1:-3}; JW=${2:-60}; PW=${3:-10}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS is not a positive whole number: '$RUNS'"
for v in "$JW" "$PW"; do [[ $v =~ ^[0-9]+([.][0-9]+)?$ ]] || die "not a number of seconds: '$v'"; done
[[ $PORT =~ ^[0-9]+$ ]] || die "ANCHORS_PORT is not a port number: '$PORT'"
declare -A REQ=([addsub64]=5000 [norm64]=1000 [addsub1]=10000)
WORKLOADS=${WORKLOADS:-addsub64 norm64 addsub1}
for w in $WORKLOADS; do [ -n "${REQ[$w]:-}" ] || die "unknown workload '$w' (addsub64, norm64, addsub1)"; done
if [ -n "${REQUESTS:-}" ]; then
  [[ $REQUESTS =~ ^[1-9][0-9]*$ ]] || die "REQUESTS is not a positive whole number: '$REQUESTS'"
  for w in "${!REQ[@]}"; do REQ[$w]=$REQUESTS; done
fi

# The anchors' harness, with this checkout's runtime classes first: they, not the flink-triton
# jar the harness was built against, are measured.
HARNESS=$ANCHORS_HOME/harness/target
[ -d "$HARNESS/classes/kservecheck" ] && [ -f "$HARNESS/classpath.txt" ] ||
  die "no Java harness under $HARNESS: run the anchors' setup.sh with ANCHORS_HOME=$ANCHORS_HOME"
[ -f "$ANCHORS_DIR/bench_triton.py" ] || die "no bench_triton.py in ANCHORS_DIR=$ANCHORS_DIR"
[ -d "$ANCHORS_HOME/tclient/src/python/library/tritonclient" ] ||
  die "no tritonclient under $ANCHORS_HOME/tclient: run the anchors' setup.sh"
[ -x "$CLIENT_PYTHON" ] || die "CLIENT_PYTHON=$CLIENT_PYTHON not found"
command -v java >/dev/null 2>&1 || die "java not found on PATH"
JAR=$REPO/benchmarks/target/benchmarks.jar
BUILD="cd $REPO && mvn -B -q -pl benchmarks -am package -DskipTests"
[ -d "$REPO/runtime/target/classes/org" ] && [ -f "$JAR" ] || die "not built: $BUILD"
stale=$(find "$REPO/runtime/src/main" "$REPO/benchmarks/src/main" -type f -newer "$JAR" | head -n 1)
[ -z "$stale" ] || die "$stale changed after the last build: $BUILD"
BENCH_CP=$REPO/runtime/target/classes:$HARNESS/classes:$(cat "$HARNESS/classpath.txt")

curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/v2/health/ready" ||
  die "no KServe server ready on 127.0.0.1:$PORT: run the anchors' start-server.sh $PORT first"
# As the anchors' bench.sh: the server's pid (from start-server.sh's pid file) lets each side
# split the busy cores into client, server and others.
if [ -z "${KSERVE_PID:-}" ]; then
  pid=$(cat "$ANCHORS_HOME/server-$PORT.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q 'server\.py'; then
    KSERVE_PID=$pid
  else
    KSERVE_PID=0
    info "server pid unknown (not started by start-server.sh): server_cores/other_cores count it as other"
  fi
fi
export KSERVE_PID

RESULTS=$ANCHORS_HOME/results
mkdir -p "$RESULTS"
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=$RESULTS/floor-$STAMP.jsonl
SUMMARY=$RESULTS/floor-$STAMP.md
ENDPOINT=http://127.0.0.1:$PORT
SIDES=(java socket okhttp python)

info "RUNS=$RUNS JAVA_WARMUP_S=$JW PY_WARMUP_S=$PW WORKLOADS='$WORKLOADS' REQUESTS=${REQUESTS:-5000/1000/10000} port $PORT KSERVE_PID=$KSERVE_PID; $(nproc) CPUs"
for run in $(seq 1 "$RUNS"); do
  shift_by=$(( (run - 1) % ${#SIDES[@]} ))
  order=("${SIDES[@]:shift_by}" "${SIDES[@]:0:shift_by}")
  for w in $WORKLOADS; do
    for side in "${order[@]}"; do
      load=$(cut -d ' ' -f 1-3 /proc/loadavg)
      echo "# run $run $w $side: load average before $load" >&2
      # shellcheck disable=SC2086 # JAVA_OPTS holds several options
      case $side in
        java) out=$(java ${JAVA_OPTS:-} -cp "$BENCH_CP" kservecheck.Bench "$w" "$JW" "${REQ[$w]}" "$ENDPOINT") ;;
        socket | okhttp)
          out=$(java ${JAVA_OPTS:-} -cp "$JAR" org.flinktriton.benchmarks.realserver.HttpFloor \
            "$side" "$w" "$JW" "${REQ[$w]}" "$ENDPOINT") ;;
        python) out=$("$CLIENT_PYTHON" "$ANCHORS_DIR/bench_triton.py" "$w" "$PW" "${REQ[$w]}" "127.0.0.1:$PORT") ;;
      esac
      rc=$?
      line=$(printf '%s\n' "$out" | grep '^{' | tail -n 1)
      [ $rc -eq 0 ] && [ -n "$line" ] || die "the $side side ($w) failed (exit $rc); output: $out"
      echo "${line%\}}, \"run\": $run, \"load_before\": \"$load\"}" | tee -a "$OUT"
    done
  done
done
info "results: $OUT"

{
  echo "# real-server $STAMP: RUNS=$RUNS JAVA_WARMUP_S=$JW PY_WARMUP_S=$PW REQUESTS=${REQUESTS:-5000/1000/10000}, $(nproc) CPUs, KServe on port $PORT"
  echo
  "$CLIENT_PYTHON" - "$OUT" <<'EOF'
import json
import statistics
import sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
sides = [("flink-triton", "TritonModelClient (Bench)"), ("socket-floor", "HttpFloor socket"),
         ("okhttp-floor", "HttpFloor okhttp"), ("triton-python", "Python tritonclient")]
for w in ("addsub64", "norm64", "addsub1"):
    of = {s: [r for r in rows if r["workload"] == w and r["side"] == s] for s, _ in sides}
    if not any(of.values()):
        continue
    py = of["triton-python"]
    py_median = statistics.median(r["cpu_us_per_record"] for r in py) if py else None
    n = next(r for rs in of.values() for r in rs)["records_per_request"]
    print("## %s (%d record%s per request)" % (w, n, "" if n == 1 else "s"))
    print()
    print("| side | runs: µs/record (1-min load before) | median µs/record | × Python | median req/s | median vol ctxsw/req |")
    print("|---|---|---|---|---|---|")
    for side, label in sides:
        rs = of[side]
        if not rs:
            continue
        median = statistics.median(r["cpu_us_per_record"] for r in rs)
        runs = ", ".join("%.2f (%s)" % (r["cpu_us_per_record"], r["load_before"].split()[0]) for r in rs)
        print("| %s | %s | **%.2f** | %s | %.0f | %.2f |" % (
            label, runs, median, "%.2f" % (median / py_median) if py_median else "-",
            statistics.median(r["req_per_s"] for r in rs),
            statistics.median(r["vol_ctxsw_per_req"] for r in rs)))
    print()
EOF
} | tee "$SUMMARY"
[ "${PIPESTATUS[0]}" -eq 0 ] || die "the summary failed on $OUT"
info "summary: $SUMMARY"
