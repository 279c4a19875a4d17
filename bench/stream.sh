#!/usr/bin/env bash
# Streams a 1 MB, 20,000-delta answer from `clab mock --fast` through `clab -p` (to a pipe),
# through curl, and through aichat when it is installed, under each way the mock can frame
# the body (chunked, content-length, connection close) and over HTTP/2 with prior knowledge.
# Prints one row per framing: best-of-RUNS wall time of curl and clab, their ratio, clab's
# peak RSS, and aichat's best wall time and peak RSS.
# Budgets (DESIGN.md): clab <= 2x curl's wall time; clab's peak RSS <= aichat's on the same
# stream (13 MiB, aichat's measured figure, when aichat is not installed). Exits 1 when one
# fails.
# Environment: RUNS (default 3); AICHAT (aichat's path; default: on PATH, else
# /tmp/aichat/bin/aichat, else aichat is skipped).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
AICHAT_RSS_MIB=13
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release --quiet
clab=$PWD/target/release/clab
aichat=${AICHAT:-$(command -v aichat || echo /tmp/aichat/bin/aichat)}
[ -x "$aichat" ] || aichat=""

work=$(mktemp -d)
mock_pid=""
stop_mock() { if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; mock_pid=""; fi; }
trap 'stop_mock; rm -rf "$work"' EXIT

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def ev(d):
    return "event: %s\ndata: %s\n\n" % (d["type"], json.dumps(d, separators=(",", ":")))
parts = [ev({"type":"message_start","message":{"id":"msg_bench","type":"message","role":"assistant","model":"claude-bench","content":[],"stop_reason":None,"stop_sequence":None,"usage":{"input_tokens":10,"output_tokens":1}}}),
         ev({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})]
piece = "lorem ipsum dolor sit amet, consectetur adipiscing elit sed do eiusmod tempor\n"[:50]
for i in range(20000):
    parts.append(ev({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":piece}}))
parts += [ev({"type":"content_block_stop","index":0}),
          ev({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":None},"usage":{"output_tokens":250000}}),
          ev({"type":"message_stop"})]
open(work + "/answer.sse", "w").write("".join(parts))
PY
answer_bytes=1000000
body='{"model":"claude-bench","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"go"}]}'

# Starts a mock whose every answer is the recorded stream under framing $1; sets $url.
start_mock() {
  python3 -c 'import json, sys; print(json.dumps({"framing": sys.argv[1], "messages": [{"sse": "answer.sse"}] * int(sys.argv[2])}))' \
    "$1" "$((3 * RUNS + 4))" > "$work/scenario.json"
  "$clab" mock --fast --scenario "$work/scenario.json" > "$work/mock.out" &
  mock_pid=$!
  for _ in $(seq 100); do grep -q listening "$work/mock.out" 2>/dev/null && break; sleep 0.1; done
  url=$(grep -o 'http://[0-9.:]*' "$work/mock.out" | head -1)
}

# Runs a command with its stdout through a pipe into wc; sets $secs, $rss_kb, $printed.
measure() {
  local s e
  s=$(date +%s%N)
  # A failure shows as a short answer in check_printed, with the client's stderr.
  /usr/bin/time -f %M -o "$work/rss" "$@" 2>"$work/stderr" | wc -c > "$work/printed" || true
  e=$(date +%s%N)
  secs=$(awk -v n=$((e - s)) 'BEGIN { printf "%.3f", n / 1e9 }')
  rss_kb=$(tail -1 "$work/rss")
  printed=$(tr -d ' ' < "$work/printed")
}

# Fails the run when a client printed less than the whole answer.
check_printed() {
  if [ "$printed" -lt "$2" ]; then
    echo "$1 printed $printed bytes, expected at least $2:" >&2
    cat "$work/stderr" >&2
    exit 1
  fi
}

min() { sort -n | head -1; }
max() { sort -n | tail -1; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

failed=0
aichat_ref_kb=""
printf '%-8s %8s %8s %6s %14s %9s %15s  %s\n' framing "curl s" "clab s" ratio "clab RSS MiB" "aichat s" "aichat RSS MiB" verdict
for framing in chunked length close http2; do
  home="$work/home-$framing"
  mkdir -p "$home"
  curl_args=(-sS -N -H 'x-api-key: bench' -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' -d "$body")
  use_aichat=$aichat
  if [ "$framing" = http2 ]; then
    echo 'http2_prior_knowledge = true' > "$home/config.toml"
    curl_args+=(--http2-prior-knowledge)
    use_aichat=""  # aichat cannot be told to speak HTTP/2 without TLS
    start_mock chunked
  else
    start_mock "$framing"
  fi
  clab_cmd=(env ANTHROPIC_API_KEY=bench CLAB_HOME="$home" "$clab" --base-url "$url" -p go)
  # Warm-up, and the probe for a clab that does not know the HTTP/2 key yet.
  if ! "${clab_cmd[@]}" > /dev/null 2> "$work/stderr"; then
    if grep -q http2_prior_knowledge "$work/stderr"; then
      printf '%-8s skipped (needs http2_prior_knowledge)\n' "$framing"
      stop_mock
      continue
    fi
    echo "clab failed under $framing:" >&2; cat "$work/stderr" >&2; exit 1
  fi
  curl_t=(); clab_t=(); clab_rss=(); aichat_t=(); aichat_rss=()
  if [ -n "$use_aichat" ]; then
    mkdir -p "$work/aichat"
    cat > "$work/aichat/config.yaml" <<EOF
model: claude:claude-bench
stream: true
save: false
clients:
  - type: claude
    api_base: $url/v1
    api_key: bench
    models:
      - name: claude-bench
        max_input_tokens: 100000
EOF
  fi
  for _ in $(seq "$RUNS"); do
    measure curl "${curl_args[@]}" "$url/v1/messages"
    check_printed curl "$(wc -c < "$work/answer.sse")"
    curl_t+=("$secs")
    measure "${clab_cmd[@]}"
    check_printed clab "$answer_bytes"
    clab_t+=("$secs"); clab_rss+=("$rss_kb")
    if [ -n "$use_aichat" ]; then
      measure env AICHAT_CONFIG_DIR="$work/aichat" "$use_aichat" go
      check_printed aichat "$answer_bytes"
      aichat_t+=("$secs"); aichat_rss+=("$rss_kb")
    fi
  done
  stop_mock
  c=$(printf '%s\n' "${curl_t[@]}" | min)
  k=$(printf '%s\n' "${clab_t[@]}" | min)
  k_rss=$(printf '%s\n' "${clab_rss[@]}" | max)
  ratio=$(awk -v a="$k" -v b="$c" 'BEGIN { printf "%.2f", a / b }')
  a_s="-"; a_rss="-"
  if [ ${#aichat_t[@]} -gt 0 ]; then
    a_s=$(printf '%s\n' "${aichat_t[@]}" | min)
    a_rss_kb=$(printf '%s\n' "${aichat_rss[@]}" | max)
    a_rss=$(mib "$a_rss_kb")
    aichat_ref_kb=$a_rss_kb
  fi
  budget_kb=${aichat_ref_kb:-$((AICHAT_RSS_MIB * 1024))}
  over=()
  if awk -v r="$ratio" 'BEGIN { exit !(r > 2) }'; then over+=("time > 2x curl"); fi
  if [ "$k_rss" -gt "$budget_kb" ]; then over+=("RSS > $(mib "$budget_kb") MiB"); fi
  verdict=PASS
  if [ ${#over[@]} -gt 0 ]; then verdict="FAIL ($(IFS=,; echo "${over[*]}" | sed 's/,/, /g'))"; failed=1; fi
  printf '%-8s %8s %8s %6s %14s %9s %15s  %s\n' "$framing" "$c" "$k" "$ratio" "$(mib "$k_rss")" "$a_s" "$a_rss" "$verdict"
done
echo "best of $RUNS runs; RSS is the peak over the runs; budgets: clab <= 2x curl, clab RSS <= aichat's (${AICHAT_RSS_MIB} MiB without aichat)"
exit "$failed"
