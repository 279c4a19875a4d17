#!/usr/bin/env bash
# Streams a 1 MB, 20,000-delta answer from the mock through `clab -p` (to a pipe) and through
# curl, and reports wall time ratio and clab's peak RSS.
# Budgets: clab <= 3x curl's wall time, peak RSS <= 20 MB.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release --quiet

work=$(mktemp -d)
mock_pid=""
cleanup() { [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

python3 - "$work" "$RUNS" <<'PY'
import json, sys
work, runs = sys.argv[1], int(sys.argv[2])
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
json.dump({"messages": [{"sse": "answer.sse"}] * (2 * runs + 2)}, open(work + "/scenario.json", "w"))
PY

target/release/clab mock --fast --scenario "$work/scenario.json" > "$work/mock.out" &
mock_pid=$!
for _ in $(seq 50); do grep -q listening "$work/mock.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$work/mock.out" | head -1)
body='{"model":"claude-bench","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"go"}]}'

best() { sort -n | head -1; }
curl_times=(); clab_times=(); rss=()
for _ in $(seq "$RUNS"); do
  s=$(date +%s.%N)
  curl -sS -N -o /dev/null -H 'x-api-key: bench' -H 'anthropic-version: 2023-06-01' \
       -H 'content-type: application/json' -d "$body" "$url/v1/messages"
  curl_times+=("$(awk -v a="$(date +%s.%N)" -v b="$s" 'BEGIN { print a - b }')")
  /usr/bin/time -v -o "$work/time.txt" env ANTHROPIC_API_KEY=bench CLAB_HOME="$work/home" \
       target/release/clab --base-url "$url" -p go > "$work/out.txt"
  clab_times+=("$(grep 'Elapsed (wall' "$work/time.txt" | awk '{print $NF}' | awk -F: '{print ($1*60)+$2}')")
  rss+=("$(grep 'Maximum resident' "$work/time.txt" | awk '{print $NF}')")
done
bytes=$(wc -c < "$work/out.txt")
curl_t=$(printf '%s\n' "${curl_times[@]}" | best)
clab_t=$(printf '%s\n' "${clab_times[@]}" | best)
rss_kb=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
ratio=$(awk -v a="$clab_t" -v b="$curl_t" 'BEGIN { printf "%.2f", a / b }')
rss_mb=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')
echo "answer printed: $bytes bytes"
echo "curl best of $RUNS: ${curl_t}s   clab best of $RUNS: ${clab_t}s   ratio: ${ratio}x (budget <= 3)"
echo "clab peak RSS: ${rss_mb} MB (budget <= 20)"
awk -v r="$ratio" -v m="$rss_mb" 'BEGIN { ok = (r <= 3 && m <= 20); print (ok ? "PASS" : "FAIL"); exit !ok }'
