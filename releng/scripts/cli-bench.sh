#!/usr/bin/env bash
# The command line as users run it: ./streamkit on a fresh workspace, each figure the median of several
# runs beside `java -version` in the same run (ratios hold on a busy machine where absolute times do not).
#   releng/scripts/cli-bench.sh [runs]        (./streamkit bench runs it after the other benchmarks)
# Prints a Markdown table with PASS or MISS per target. Uses its own workspaces under the product's target
# folder; starts and stops its own daemon; touches nothing else.
set -euo pipefail
here=$(cd "${BASH_SOURCE[0]%/*}/../.." && pwd)
runs=${1:-7}
. "$here/releng/scripts/java-home.sh"
JAVA_HOME=$(streamkit_java_home)
export JAVA_HOME
out="$here/releng/org.streamkit.sync.product/target/cli-bench"
rm -rf "$out"
mkdir -p "$out"

median_ms() { # runs "$@" $runs times, prints the median wall time in ms
  local times=() i start end
  for ((i = 0; i < runs; i++)); do
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1 || { echo "cli-bench: '$*' failed" >&2; return 1; }
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

sk() { STREAMKIT_WORKSPACE="$ws" "$here/streamkit" "$@"; }

wait_for() { # waits (a minute at most) until the log file $2 has a line matching $1
  local i
  for ((i = 0; i < 600; i++)); do
    grep -q "$1" "$2" 2>/dev/null && return 0
    sleep 0.1
  done
}

backup_of() { # writes to $2 a backup of $1 configs of about 1 KB each
  python3 - "$1" "$2" <<'PY'
import json, sys
pad = "x" * 900
configs = [{"type": "notes", "id": "n%06d" % i, "updatedAt": "2026-01-01T00:00:00Z", "createdAt": "2026-01-01T00:00:00Z", "deleted": False,
            "body": {"name": "note %d" % i, "text": pad}} for i in range(int(sys.argv[1]))]
json.dump({"configs": configs}, open(sys.argv[2], "w"))
PY
}
backup="$out/10k.json"
backup_of 10000 "$backup"

java_ms=$(median_ms "$JAVA_HOME/bin/java" -version)

ws="$out/empty"; mkdir -p "$ws"
sk remote obs off >/dev/null 2>&1
# "Cold" is a new JVM each time, not a cold disk: what the build (or the benchmarks before) wrote is flushed
# first, and two untimed runs read the product into the page cache, as every later figure finds it.
sync
sk status >/dev/null 2>&1; sk status >/dev/null 2>&1
cold_empty=$(median_ms sk status)

ws="$out/10k"; mkdir -p "$ws"
sk remote obs off >/dev/null 2>&1
start=$(date +%s%N)
sk import "$backup" >/dev/null 2>&1
import_ms=$(( ($(date +%s%N) - start) / 1000000 ))
cold_10k=$(median_ms sk status)
list_10k=$(median_ms sk list)

# First sync: a fresh workspace pulls the 10,000 configs from the local server (one run). A first workspace
# imports them and delivers them to the server beforehand (not timed).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
ws="$out/server"; mkdir -p "$ws"
STREAMKIT_WORKSPACE="$ws" "$here/streamkit" server --port "$port" >"$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
wait_for "Streamkit API server on" "$out/server.log"
token=$(sk token bench --minutes 120)
signed_in() { # the workspace $ws syncs with the local server as customer "bench", OBS off
  sk remote cloud set "http://127.0.0.1:$port" >/dev/null 2>&1
  printf '%s' "$token" | sk remote cloud token - >/dev/null 2>&1
  sk remote obs off >/dev/null 2>&1
}
ws="$out/first"; mkdir -p "$ws"; signed_in
sk import "$backup" >/dev/null 2>&1
sk sync --timeout 900 >/dev/null 2>&1 || { echo "cli-bench: the first workspace could not deliver the backup" >&2; exit 1; }
ws="$out/second"; mkdir -p "$ws"; signed_in
start=$(date +%s%N)
sk sync --timeout 900 >/dev/null 2>&1 || { echo "cli-bench: the second workspace could not sync" >&2; exit 1; }
first_sync=$(( ($(date +%s%N) - start) / 1000000 ))
pulled=$(sk list notes | wc -l)
[ "$pulled" -eq 10000 ] || { echo "cli-bench: the second workspace holds $pulled configs, not 10000" >&2; exit 1; }
kill $server; wait $server 2>/dev/null || true
trap - EXIT

ws="$out/empty"
STREAMKIT_WORKSPACE="$ws" "$here/streamkit" daemon >"$out/daemon.log" 2>&1 &
daemon=$!
trap 'kill $daemon 2>/dev/null || true' EXIT
wait_for "syncing" "$out/daemon.log"
sk status >/dev/null 2>&1 # the first forwarded call writes the class-data archive
forwarded=$(median_ms sk status)
kill $daemon; wait $daemon 2>/dev/null || true
trap - EXIT

# The curve: the same import, cold status and list at 100, 1,000 and 100,000 configs (10,000 are above).
declare -A c_import c_status c_list c_disk
c_import[10000]=$import_ms; c_status[10000]=$cold_10k; c_list[10000]=$list_10k
c_disk[10000]=$(du -sm "$out/10k/.metadata/.plugins" | cut -f1)
for n in 100 1000 100000; do
  ws="$out/curve-$n"; mkdir -p "$ws"
  sk remote obs off >/dev/null 2>&1
  backup_of "$n" "$out/curve-$n.json"
  start=$(date +%s%N)
  sk import "$out/curve-$n.json" >/dev/null 2>&1 || { echo "cli-bench: importing $n configs failed" >&2; exit 1; }
  c_import[$n]=$(( ($(date +%s%N) - start) / 1000000 ))
  c_status[$n]=$(median_ms sk status)
  c_list[$n]=$(median_ms sk list)
  c_disk[$n]=$(du -sm "$ws/.metadata/.plugins" | cut -f1)
  rm -f "$out/curve-$n.json"
done

verdict() { [ "$1" -le "$2" ] && echo PASS || echo MISS; }
cat <<TABLE
| command line, median of $runs runs | figure | over java -version ($java_ms ms) | target | result |
|---|---|---|---|---|
| status forwarded to a running daemon | ${forwarded} ms | $((forwarded - java_ms)) ms | ≤ 300 ms | $(verdict "$forwarded" 300) |
| status, cold start, empty workspace | ${cold_empty} ms | $((cold_empty - java_ms)) ms | ≤ 1500 ms | $(verdict "$cold_empty" 1500) |
| status, cold start, 10,000 configs | ${cold_10k} ms | $((cold_10k - java_ms)) ms | ≤ 2000 ms | $(verdict "$cold_10k" 2000) |
| list of 10,000 configs, cold start | ${list_10k} ms | $((list_10k - cold_empty)) ms over the empty status | ≤ 1000 ms over it | $(verdict "$((list_10k - cold_empty))" 1000) |
| import of 10,000 × 1 KB configs (one run) | ${import_ms} ms | | ≤ 5000 ms | $(verdict "$import_ms" 5000) |
| first sync of 10,000 × 1 KB configs from the local server (one run) | ${first_sync} ms | | ≤ 5000 ms | $(verdict "$first_sync" 5000) |
TABLE

echo
echo "| configs of 1 KB | import (one run) | status, cold (over the empty workspace's $cold_empty ms) | list, cold (over that status) | Xodus + backup + state on disk | target | result |"
echo "|---|---|---|---|---|---|---|"
for n in 100 1000 10000 100000; do
  over=$((c_status[$n] - cold_empty))
  case $n in
    10000) target="status ≤ 500 ms over empty"; result=$(verdict "$over" 500) ;;
    100000) target="status ≤ 2000 ms over empty"; result=$(verdict "$over" 2000) ;;
    *) target="—"; result="—" ;;
  esac
  printf '| %s | %s ms | %s ms (%+d ms) | %s ms (%+d ms) | %s MB | %s | %s |\n' "$n" "${c_import[$n]}" \
    "${c_status[$n]}" "$over" "${c_list[$n]}" "$((c_list[$n] - c_status[$n]))" "${c_disk[$n]}" "$target" "$result"
done
