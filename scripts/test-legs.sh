#!/usr/bin/env bash
# Run the SQLite and the PostgreSQL legs of the suite at the same time (make test).
# Each line of output is prefixed with its leg ("sqlite |", "postgres |"); the script
# waits for both, says how each ended, and fails if either failed.
set -uo pipefail
sqlite_command=$1
postgres_command=$2

run_leg() {
  local name=$1 command=$2
  # stdbuf keeps each leg's lines whole and in order as they come.
  bash -c "$command" 2>&1 | stdbuf -oL sed "s/^/$name | /"
}

start=$(date +%s)
run_leg "sqlite  " "$sqlite_command" &
sqlite_pid=$!
run_leg "postgres" "$postgres_command" &
postgres_pid=$!

wait "$sqlite_pid"; sqlite_status=$?
echo "sqlite   | leg ended with status $sqlite_status after $(( $(date +%s) - start )) s"
wait "$postgres_pid"; postgres_status=$?
echo "postgres | leg ended with status $postgres_status after $(( $(date +%s) - start )) s"

if [ "$sqlite_status" != 0 ] || [ "$postgres_status" != 0 ]; then
  echo "make test failed: SQLite leg status $sqlite_status, PostgreSQL leg status $postgres_status" >&2
  exit 1
fi
