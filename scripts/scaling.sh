#!/bin/sh
# Articles/s with one and with two workers on PostgreSQL, and the store's share of their time
# (each worker prints its stats line at exit).
#
# Usage: scripts/scaling.sh BIN [N]
#   BIN: the claimtrail binary (target/release/claimtrail); N: articles to generate (2000).
# Needs PostgreSQL at CLAIMTRAIL_TEST_PG (default postgres://postgres@127.0.0.1:5432/test);
# uses and drops the schemas ct_scaling_1 and ct_scaling_2.
set -e
BIN=$1; N=${2:-2000}
BASE=${CLAIMTRAIL_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}
TMP=$(mktemp -d)
IN=$TMP/articles.jsonl
# Short, distinct articles in the import format (written here, no corpus text).
awk -v n="$N" 'BEGIN {
  split("Alder Birch Cedar Dogwood Elm Fir Gingko Hazel Ivy Juniper", p, " ");
  for (i = 0; i < n; i++) {
    name = p[i % 10 + 1];
    printf "{\"url\": \"https://news%d.example/story/%d\", \"source\": \"Outlet %d\", ", i % 5, i, i % 5;
    printf "\"title\": \"%s council votes on bridge plan %d\", ", name, i;
    printf "\"text\": \"Mayor %s said on Monday that the bridge project number %d would go ahead. ", name, i;
    printf "Officials denied reports of delays at site %d.\"}\n", (i * 7919) % 10007;
  }
}' > "$IN"
for n in 1 2; do
  S=ct_scaling_$n
  psql -q "$BASE" -c "DROP SCHEMA IF EXISTS $S CASCADE" 2>/dev/null
  DB="$BASE?schema=$S"
  "$BIN" --db "$DB" import "$IN" --enqueue >/dev/null
  start=$(date +%s.%N)
  for i in $(seq $n); do
    "$BIN" --db "$DB" worker --no-feeds --exit-when-idle --id "s$i" > "$TMP/s$n-$i.out" 2>/dev/null &
  done
  wait
  end=$(date +%s.%N)
  arts=$(psql -At "$BASE" -c "SELECT COUNT(*) FROM $S.articles")
  echo "$n worker(s): $arts articles in $(echo "$end - $start" | bc) s = $(echo "scale=1; $arts / ($end - $start)" | bc) articles/s"
  sed 's/^/    /' "$TMP"/s$n-*.out
  psql -q "$BASE" -c "DROP SCHEMA $S CASCADE"
done
rm -rf "$TMP"
