#!/usr/bin/env bash
# The signed-in lesson page side by side with the closest Wagtail peer, wagtail-lms 0.11.1,
# with the peer's own bench (its README: install.sh, setup.sh, serve.sh, side_by_side.sh).
#
# 1. installs and seeds the peer in PEER_HOME when not done yet (install.sh may apt-get wrk);
# 2. prepares our site on a throw-away SQLite database and media folder with the same shape
#    (bench/side_by_side.py prepare): 1 course, 3 lessons of rich text + 1 H5P activity,
#    1 enrolled officer with a session, production settings (DEBUG off);
# 3. serves both under gunicorn, 2 sync workers, on loopback ports; checks that both lesson
#    pages answer 200 with the lesson for the signed-in user (and not without the session);
#    runs the peer's side_by_side.sh (interleaved rounds) and prints the req/s medians and
#    the ratio ours/peer. Both servers are stopped and our throw-away data removed on exit.
#
# usage: make bench-side   or   bench/side_by_side.sh
# env:   TESTS (b: the lesson page; "a b c" adds the anonymous course page and the xAPI POST),
#        ROUNDS (3), CONNS (4), DUR (20s), WARM (3s) as the peer's side_by_side.sh;
#        PEER_DIR (the peer bench, default /work/shared/peer-wagtail-lms), PEER_HOME (its
#        working area, default as its README: ${XDG_CACHE_HOME:-$HOME/.cache}/peer-wagtail-lms),
#        PEER_FRESH=1 (re-run the peer's setup.sh: a fresh peer database),
#        PEER_PORT, OURS_PORT (default: free loopback ports), KEEP=1 (keep our throw-away data),
#        OURS_CONN_MAX_AGE (default production's 60; 0 = a new connection per request, as the peer).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
py="$root/.venv/bin/python"
helper="$root/bench/side_by_side.py"
PEER_DIR=${PEER_DIR:-/work/shared/peer-wagtail-lms}
PEER_HOME=${PEER_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/peer-wagtail-lms}
case $PEER_HOME in /*) ;; *) PEER_HOME=$PWD/$PEER_HOME ;; esac
export PEER_HOME
export TESTS=${TESTS:-b} ROUNDS=${ROUNDS:-3} CONNS=${CONNS:-4} DUR=${DUR:-20s} WARM=${WARM:-3s}
[ -x "$PEER_DIR/side_by_side.sh" ] || { echo "bench-side: no peer bench in $PEER_DIR (set PEER_DIR)" >&2; exit 1; }
free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PEER_PORT=${PEER_PORT:-$(free_port)}
OURS_PORT=${OURS_PORT:-$(free_port)}
[ "$PEER_PORT" != "$OURS_PORT" ] || OURS_PORT=$(free_port)

# --- the peer: install and seed once ------------------------------------------------------
if [ ! -x "$PEER_HOME/venv/bin/gunicorn" ] || [ ! -f "$PEER_HOME/site/manage.py" ] || ! command -v wrk >/dev/null; then
  echo "== installing the peer in $PEER_HOME"
  "$PEER_DIR/install.sh"
fi
command -v wrk >/dev/null || { echo "bench-side: wrk is needed (apt-get install wrk)" >&2; exit 1; }
if [ -n "${PEER_FRESH:-}" ] || [ ! -f "$PEER_HOME/state.json" ] || [ ! -f "$PEER_HOME/site/db.sqlite3" ]; then
  echo "== seeding the peer (setup.sh)"
  "$PEER_DIR/setup.sh" > "$PEER_HOME/setup.log"
else
  # A new session each time: the one of an earlier run may have expired.
  "$PEER_HOME/venv/bin/python" "$PEER_DIR/login.py" > /dev/null
fi
# shellcheck disable=SC1091
. "$PEER_HOME/session.env"   # SESSIONID, CSRFTOKEN (the peer's login.py)
peer_cookie="sessionid=$SESSIONID; csrftoken=$CSRFTOKEN"

# --- ours: a throw-away database and media folder ------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/lms-bench-side-XXXXXX")
ours_pid=
peer_started=
rounds_pid=
cleanup() {
  # The rounds run in their own process group (setsid): stop it whole (wrk included).
  [ -z "$rounds_pid" ] || kill -TERM -- "-$rounds_pid" 2>/dev/null || true
  if [ -n "$ours_pid" ]; then
    kill -TERM "$ours_pid" 2>/dev/null && wait "$ours_pid" 2>/dev/null || true
    echo "stopped our gunicorn ($ours_pid)"
  fi
  [ -z "$peer_started" ] || PORT=$PEER_PORT "$PEER_DIR/serve.sh" stop || true
  if [ -n "${KEEP:-}" ]; then
    echo "kept: $work ${OURS_DATA:-}"
  else
    rm -rf "$work" "${OURS_DATA:-}"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
echo "== preparing our site (throw-away SQLite database, production settings)"
"$py" "$helper" prepare "$work" "$OURS_PORT"
# shellcheck disable=SC1091
. "$work/ours.env"   # OURS_DATA, OURS_BASE_URL, OURS_*_PATH, OURS_COOKIE, ...

# --- both servers ---------------------------------------------------------------------------
(
  set -a
  # shellcheck disable=SC1091
  . "$work/server.env"
  set +a
  cd "$root"
  exec "$py" -m gunicorn lms.wsgi --workers 2 --worker-class sync \
    --bind "127.0.0.1:$OURS_PORT" --log-level warning
) > "$work/gunicorn.log" 2>&1 &
ours_pid=$!
for _ in $(seq 100); do
  curl -s -o /dev/null --max-time 2 "$OURS_BASE_URL/healthz" && break
  kill -0 "$ours_pid" 2>/dev/null || break
  sleep 0.2
done
curl -s -o /dev/null --max-time 2 "$OURS_BASE_URL/healthz" || {
  echo "bench-side: our gunicorn does not answer on $OURS_BASE_URL:" >&2; tail -20 "$work/gunicorn.log" >&2; exit 1; }
echo "our gunicorn master pid $ours_pid on $OURS_BASE_URL (2 sync workers)"
PORT=$PEER_PORT "$PEER_DIR/serve.sh" start
peer_started=1

echo "== sanity checks"
"$py" "$helper" check "http://127.0.0.1:$PEER_PORT/intro-course/lesson-1/" \
  "Lesson 1: Fundamentals part 1" "Section 1.1" 'class="lms-h5p-activity"' --cookie "$peer_cookie"
"$py" "$helper" check "$OURS_BASE_URL$OURS_LESSON_PATH" \
  "$OURS_LESSON_TITLE" "Section 1.1" 'class="h5p-frame"' --cookie "$OURS_COOKIE"

# --- the peer's interleaved rounds ------------------------------------------------------------
SBS="$PEER_HOME/results/sbs-$(date +%Y%m%d-%H%M%S)"
echo "== side_by_side.sh: TESTS=\"$TESTS\" ROUNDS=$ROUNDS CONNS=\"$CONNS\" DUR=$DUR WARM=$WARM -> $SBS"
export OURS_BASE_URL OURS_COURSE_PATH OURS_LESSON_PATH OURS_XAPI_PATH OURS_XAPI_BODY \
       OURS_XAPI_EXPECT OURS_COOKIE OURS_CSRFTOKEN SBS
# In the background, waited for: a signal stops the run at once, not after the round.
PORT=$PEER_PORT setsid "$PEER_DIR/side_by_side.sh" &
rounds_pid=$!
if ! wait "$rounds_pid"; then
  rounds_pid=
  for log in "$SBS".*.log; do echo "--- $log"; tail -5 "$log"; done
  exit 1
fi
rounds_pid=
echo
echo "## ours / peer (req/s medians over $ROUNDS rounds)"
"$py" "$helper" report "$SBS"
