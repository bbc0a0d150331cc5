#!/usr/bin/env bash
# A throwaway PostgreSQL cluster whose shared memory is in huge pages, for benchmarks only (docs/benchmarks.md,
# "Issue #11: the page pass on huge pages"): the machine's own server maps its 128 MB of shared buffers in 4 kB
# pages, and on this hypervisor a backend's reads through scattered buffers cost what they do not on a server
# configured as PostgreSQL's documentation recommends for production (huge_pages).
#
#   bash bench/pg-huge-pages-cluster.sh start [port=5433]   # prints the URL for bench/data-diff.ts --pg
#   bash bench/pg-huge-pages-cluster.sh stop [port=5433]
#
# Needs root (it reserves the huge pages with sysctl and runs the server as the postgres user) and Debian's
# PostgreSQL 15 binaries. Same settings as the machine's server otherwise (128 MB of shared buffers, autovacuum
# off); the cluster lives in /tmp/tminus-bench-pg-<port> and is deleted by `stop`, which also gives back the huge
# pages `start` reserved.
set -euo pipefail
cmd=${1:?start or stop}
port=${2:-5433}
dir=/tmp/tminus-bench-pg-$port
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
case $cmd in
  start)
    # 128 MB of buffers and PostgreSQL's other shared memory: 80 free pages of 2 MB (more reserved if fewer).
    total=$(awk '/^HugePages_Total/ {print $2}' /proc/meminfo)
    free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
    mkdir -p "$dir" && chown postgres "$dir"
    echo "$total" >"$dir/nr_hugepages.before"
    if [ "$free" -lt 80 ]; then sysctl -qw vm.nr_hugepages=$((total + 80 - free)); fi
    su postgres -c "$bin/initdb -D $dir/data -A trust -U postgres" >/dev/null
    opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c huge_pages=on -c shared_buffers=128MB -c autovacuum=off"
    su postgres -c "$bin/pg_ctl -D $dir/data -w -l $dir/log -o '$opts' start" >/dev/null
    echo "postgres://postgres@127.0.0.1:$port"
    ;;
  stop)
    su postgres -c "$bin/pg_ctl -D $dir/data -w -m fast stop" >/dev/null
    sysctl -qw vm.nr_hugepages="$(cat "$dir/nr_hugepages.before")"
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop [port]" >&2
    exit 2
    ;;
esac
