#!/usr/bin/env bash
# Upload benchmark: a 500 MB file through `clab files upload` vs curl, against the embedded mock.
#
# Budget: clab reaches >= 0.9x curl's throughput (curl_time / clab_time)
# and stays under 40 MB peak RSS, because the file is streamed from disk, never read whole.
# Both clients run in the same session against the same mock; the file is read once before
# timing so both see a warm page cache. Wall time and peak RSS come from GNU time (%e, %M).
#
# Usage: [ROUNDS=3] bench/upload.sh [SIZE]   (SIZE as head -c understands it; default 500M)
set -euo pipefail

size="${1:-500M}"
rounds="${ROUNDS:-3}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [[ ! -x /usr/bin/time ]]; then
    echo "installing GNU time for peak RSS measurement" >&2
    apt-get install -y time >/dev/null || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi

cargo build --release --quiet
clab="$root/target/release/clab"

work="$(mktemp -d)"
mock_pid=""
cleanup() {
    if [[ -n "$mock_pid" ]]; then kill "$mock_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$clab" mock --fast >"$work/mock.out" 2>"$work/mock.err" &
mock_pid=$!
url=""
for _ in $(seq 100); do
    url="$(sed -n 's/^clab mock API listening on \(http:[^ ]*\).*/\1/p' "$work/mock.out" | head -n1)"
    [[ -n "$url" ]] && break
    kill -0 "$mock_pid" 2>/dev/null || { cat "$work/mock.err" >&2; exit 1; }
    sleep 0.1
done
[[ -n "$url" ]] || { echo "the mock did not report its address" >&2; exit 1; }

file="$work/upload.bin"
head -c "$size" /dev/urandom >"$file"
cat "$file" >/dev/null
bytes=$(stat -c %s "$file")

seconds() { # run "$@" under GNU time; print wall seconds and peak RSS (kB), space separated
    /usr/bin/time -f '%e %M' -o "$work/time.out" "$@" >"$work/run.out"
    cat "$work/time.out"
}
forget_upload() { # delete what the last run uploaded so the mock's disk use stays flat
    local id
    id="$(grep -o 'file_[A-Za-z0-9]*' "$work/run.out" | head -n1)"
    [[ -n "$id" ]] && curl -sS -o /dev/null -X DELETE -H 'x-api-key: bench' \
        -H 'anthropic-version: 2023-06-01' -H 'anthropic-beta: files-api-2025-04-14' "$url/v1/files/$id"
    sync
}

# The mock writes each upload to disk, so single runs are noisy (page-cache writeback lands
# on whoever runs next). Alternate the clients, flush between runs and keep each one's best.
curl_s=""; clab_s=""; clab_kb=0
for round in $(seq "$rounds"); do
    read -r t _ < <(seconds curl -sS \
        -H 'x-api-key: bench' -H 'anthropic-version: 2023-06-01' \
        -H 'anthropic-beta: files-api-2025-04-14' -F "file=@$file" "$url/v1/files")
    forget_upload
    curl_s="$(awk -v a="$t" -v b="${curl_s:-$t}" 'BEGIN { print (a < b ? a : b) }')"
    read -r t kb < <(ANTHROPIC_API_KEY=bench CLAB_HOME="$work/home" \
        seconds "$clab" --base-url "$url" files upload "$file")
    forget_upload
    clab_s="$(awk -v a="$t" -v b="${clab_s:-$t}" 'BEGIN { print (a < b ? a : b) }')"
    clab_kb=$(( kb > clab_kb ? kb : clab_kb ))
    echo "round $round: curl $curl_s s best, clab $clab_s s best" >&2
done

awk -v rounds="$rounds" -v bytes="$bytes" -v c="$curl_s" -v k="$clab_s" -v kb="$clab_kb" 'BEGIN {
    mb = bytes / 1048576
    ratio = (k > 0) ? c / k : 0
    rss = kb / 1024
    printf "file            %.0f MB, best of %d rounds each\n", mb, rounds
    printf "curl            %.2f s (%.0f MB/s)\n", c, (c > 0 ? mb / c : 0)
    printf "clab            %.2f s (%.0f MB/s)\n", k, (k > 0 ? mb / k : 0)
    printf "throughput      %.2f x curl (target >= 0.90) %s\n", ratio, (ratio >= 0.9 ? "PASS" : "FAIL")
    printf "clab peak RSS   %.1f MB (target < 40) %s\n", rss, (rss < 40 ? "PASS" : "FAIL")
}'
