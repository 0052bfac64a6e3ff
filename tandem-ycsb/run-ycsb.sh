#!/usr/bin/env bash
# Runs the real YCSB client (site.ycsb.Client 0.17.0) with its core workloads A, B, C and F against
# the Tandem binding and the plain JDBC baseline, on an embedded PostgreSQL server started for the
# run, with fsync on (each commit waits for the disk, as production runs) unless FSYNC=off.
#
#   tandem-ycsb/run-ycsb.sh                      # defaults below
#   RECORDS=100000 OPERATIONS=200000 THREADS=32 tandem-ycsb/run-ycsb.sh
#   FSYNC=off tandem-ycsb/run-ycsb.sh            # embedded server without fsync
#   WORKLOADS="a c" tandem-ycsb/run-ycsb.sh      # some of the workloads only
#   BATCHES=4 tandem-ycsb/run-ycsb.sh            # Tandem commits up to 4 group-commit batches at once
#   DB_URL=jdbc:postgresql://host/db?user=u tandem-ycsb/run-ycsb.sh   # your own server instead
#   DB=mariadb tandem-ycsb/run-ycsb.sh           # a MariaDB server (the installed mariadbd) instead;
#                                                # FSYNC=off: its log flushed once a second, not at each commit
#   DB_URL=jdbc:mariadb://host/db?user=u tandem-ycsb/run-ycsb.sh      # your own MariaDB
#
# For each binding: load RECORDS records into a new usertable (-load), then run workloads A, B, C
# and F (-t), OPERATIONS operations each, THREADS client threads. YCSB's full output is kept in OUT
# (default tandem-ycsb/target/ycsb), and a summary is printed at the end, with the server's fsync.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
records="${RECORDS:-50000}"
operations="${OPERATIONS:-100000}"
threads="${THREADS:-16}"
out="${OUT:-$root/tandem-ycsb/target/ycsb}"
fsync="${FSYNC:-on}"
workloads="${WORKLOADS:-a b c f}"
batches="${BATCHES:-2}"
db="${DB:-postgres}"
case "${DB_URL:-}" in
  jdbc:mariadb:*) db=mariadb ;;
esac
case "$db" in
  postgres) server_class=YcsbPostgres; db_label=PostgreSQL ;;
  mariadb) server_class=YcsbMariaDb; db_label=MariaDB ;;
  *) echo "DB must be postgres or mariadb but was '$db'" >&2; exit 2 ;;
esac
case "$fsync" in
  on|off) ;;
  *) echo "FSYNC must be on or off but was '$fsync'" >&2; exit 2 ;;
esac
for workload in $workloads; do
  [ -f "$root/tandem-ycsb/workloads/workload$workload" ] || { echo "no workload '$workload' (a, b, c or f)" >&2; exit 2; }
done
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
major="$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)"
if [ -z "$major" ] || [ "$major" -lt 21 ]; then
  echo "run-ycsb.sh: needs a JDK 21 or newer: set JAVA_HOME to one (found ${major:-no} java at $java)" >&2
  exit 1
fi

echo "building tandem-ycsb..." >&2
(cd "$root" && mvn -B -q -Dmaven.test.skip=true -pl tandem-ycsb -am package) >&2
jar="$(ls "$root"/tandem-ycsb/target/tandem-ycsb-*.jar | grep -v -E -e '-(sources|tests|javadoc)\.jar$' | head -n 1)"
cp="$jar:$(cat "$root/tandem-ycsb/target/ycsb-classpath.txt")"
mkdir -p "$out"

server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    exec 9>&- # closing its standard input stops the server
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT

url="${DB_URL:-}"
where=""
if [ -z "$url" ]; then
  echo "starting a $db_label server (fsync $fsync)..." >&2
  rm -f "$out/$db.url" "$out/$db.stdin"
  mkfifo "$out/$db.stdin"
  # PostgreSQL refuses to run as root: build/java-unprivileged starts it in a user namespace then.
  TANDEM_JAVA="$java" "$root/build/java-unprivileged" -cp "$cp" "dev.tandem.ycsb.$server_class" "$out/$db.url" "$fsync" \
    <"$out/$db.stdin" >"$out/$db.log" 2>&1 &
  server_pid=$!
  exec 9>"$out/$db.stdin"
  for _ in $(seq 1 240); do
    [ -f "$out/$db.url" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$out/$db.log" >&2; echo "the server did not start" >&2; exit 1; }
    sleep 0.5
  done
  [ -f "$out/$db.url" ] || { echo "the server did not start within 2 minutes" >&2; exit 1; }
  url="$(cat "$out/$db.url")"
  where="$(grep -m 1 '^data in ' "$out/$db.log" || true)"
fi
# what the server reports (on a server of your own, its own settings: FSYNC does not apply)
durability="$("$java" -cp "$cp" "dev.tandem.ycsb.$server_class" --settings "$url")${where:+, $where}"
echo "$db_label: $durability" >&2

ycsb() { # binding, phase flag, workload, output file
  "$java" -cp "$cp" site.ycsb.Client "$2" -db "dev.tandem.ycsb.$1" -P "$root/tandem-ycsb/workloads/workload$3" \
    -p db.url="$url" -p recordcount="$records" -p operationcount="$operations" -threads "$threads" \
    -p hdrhistogram.percentiles=50,99 \
    ${5:+-p "$5"} >"$4" 2>"$4.err"
}

for binding in PlainJdbcClient TandemClient; do
  echo "$binding: loading $records records..." >&2
  ycsb "$binding" -load a "$out/$binding-load.txt" tandem.recreate=true
  for workload in $workloads; do
    echo "$binding: workload ${workload^^}, $operations operations, $threads threads..." >&2
    ycsb "$binding" -t "$workload" "$out/$binding-$workload.txt" "tandem.batches=$batches"
  done
done
stop_server

echo
echo "YCSB 0.17.0, $records records, $operations operations per workload, $threads threads; $url" | sed 's/?.*//'
echo "$db_label: $durability"
printf '%-16s %-9s %12s %12s %12s %12s %12s\n' binding workload "ops/s" "read p50" "read p99" "write p50" "write p99"
for binding in PlainJdbcClient TandemClient; do
  for workload in $workloads; do
    f="$out/$binding-$workload.txt"
    awk -F', ' -v b="$binding" -v w="${workload^^}" '
      $1 == "[OVERALL]" && $2 == "Throughput(ops/sec)" { tput = $3 }
      $2 == "50thPercentileLatency(us)" { p50[$1] = $3 }
      $2 == "99thPercentileLatency(us)" { p99[$1] = $3 }
      $2 == "Return=ERROR" || $2 == "Return=NOT_FOUND" { failed += $3 }
      END {
        write = ("[READ-MODIFY-WRITE]" in p50) ? "[READ-MODIFY-WRITE]" : "[UPDATE]"
        w50 = (write in p50) ? p50[write] " us" : "-"; w99 = (write in p99) ? p99[write] " us" : "-"
        printf "%-16s %-9s %12.0f %9s us %9s us %12s %12s%s\n", b, w, tput, p50["[READ]"], p99["[READ]"],
          w50, w99, failed ? "  (" failed " failed)" : ""
      }' "$f"
  done
done
echo "(write = update; for F, read-modify-write, which YCSB measures as read plus update)"
