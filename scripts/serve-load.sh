#!/bin/sh
# Story page and story JSON latency under 50 concurrent clients, on a database of 10,000
# articles (issue 6's speed figure), with wrk on loopback.
#
# Usage: scripts/serve-load.sh BIN [DB]
#   BIN: the claimtrail binary (target/release/claimtrail).
#   DB:  a SQLite database to serve; when it does not exist it is built first with the
#        throughput example (10,000 articles from ../shared/data), which takes minutes.
# Needs wrk (Debian: apt-get install wrk) and curl. Serves on 127.0.0.1:18080 with --no-track.
set -e
BIN=$1; DB=${2:-/tmp/claimtrail-10k.db}
PORT=18080; URL=http://127.0.0.1:$PORT
if [ ! -e "$DB" ]; then
  CLAIMTRAIL_KEEP_DB=$DB cargo run --release -p claimtrail --example throughput
fi
"$BIN" --db "$DB" serve --no-track --no-sample --addr 127.0.0.1:$PORT 2>/tmp/serve-load.log &
PID=$!
trap 'kill $PID 2>/dev/null' EXIT INT TERM
# Opening rebuilds the tracker's indexes from the store first: allow it minutes.
for i in $(seq 600); do curl -sf -m 60 -o /dev/null "$URL/api/stories?limit=1" && break; sleep 1; done
# The largest story, and the story at the median size among the 100 most recent.
IDS=$(curl -sf "$URL/api/stories?limit=100" | python3 -c '
import json, sys
s = sorted(json.load(sys.stdin), key=lambda x: x["articles"])
print(s[-1]["id"], s[-1]["articles"], s[len(s) // 2]["id"], s[len(s) // 2]["articles"])')
set -- $IDS
echo "largest story: $1 ($2 articles); median story: $3 ($4 articles)"
# The story JSON gives the latest 300 statements and 200 articles; the largest window one
# request can ask for (1,000) is measured too, uncached: it is serialized per request.
for target in "/stories/$1" "/api/stories/$1" "/api/stories/$1/statements?offset=0&limit=1000" \
    "/stories/$3" "/api/stories/$3" "/"; do
  cold=$(curl -s -o /dev/null -w '%{time_total}' "$URL$target")
  echo "== $target (first request: ${cold} s)"
  wrk -t2 -c50 -d10s --latency "$URL$target" | grep -E 'Latency|50%|99%|Requests/sec|Non-2xx'
done
