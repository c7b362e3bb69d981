#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432.
# Exit 0: it answers. Exit 2: no server and none could be started (the caller may skip).
# With REQUIRE_POSTGRES=1, "no server" is an error (exit 1) with a clear message.
set -u
host=127.0.0.1
port=5432

ready() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$host" -p "$port"
  else
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
  fi
}

if ready; then exit 0; fi

if command -v pg_lsclusters >/dev/null 2>&1 && command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "PostgreSQL is not answering on $host:$port; starting the local cluster(s)."
  pg_lsclusters --no-header 2>/dev/null | while read -r version cluster _rest; do
    pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start 2>&1 || true
  done
  for _ in $(seq 1 30); do
    if ready; then exit 0; fi
    sleep 1
  done
fi

if [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "ERROR: PostgreSQL is required (REQUIRE_POSTGRES=1) but nothing answers on $host:$port," >&2
  echo "and no local cluster could be started. Start PostgreSQL with trust auth for user" >&2
  echo "'postgres' on $host:$port, then run 'make test' again." >&2
  exit 1
fi
exit 2
