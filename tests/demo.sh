#!/usr/bin/env bash
# `bellows demo` starts its own scratch server, so this test runs bare (not
# under tests/pg-harness): the seed plan runs end to end on it, and nothing
# is left behind after a normal exit, --keep and its printed stop command,
# SIGTERM during set-up and during the run, and SIGKILL (the watchdog).
# TAP output.
set -u
: "${BELLOWS:=$(dirname "$0")/../bellows}"
top=$(mktemp -d "${TMPDIR:-/tmp}/bellows-demo-test.XXXXXX")
# Under root the server runs as postgres, which must reach the demo's
# directory under $TMPDIR.
chmod 755 "$top"
trap 'rm -rf "$top"' EXIT
# Keep the user's own bellows.conf out of the test; every demo directory
# lands in $top/tmp, so "nothing left behind" is "that is empty".
export BELLOWS_CONFIG=$top/none.conf XDG_CONFIG_HOME=$top TMPDIR=$top/tmp
mkdir -m 755 "$TMPDIR"
unset PGHOST PGPORT PGUSER PGDATABASE PGSERVICE PGOPTIONS

echo "1..8"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
	n=$((n + 1)); echo "not ok $n - $1"
	[ -n "${2-}" ] && printf '%s\n' "$2" | sed 's/^/# /'
}

# The demo directory named on the first line of an output file ("" if not
# there yet).
demodir() { sed -n '1s/^bellows demo: .* in \(\/.*\)$/\1/p' "$1" 2>/dev/null; }

# gone DIR: no directory and no server of DIR within 10 s.
gone() {
	local i
	for i in $(seq 1 100); do
		if [ ! -e "$1" ] && ! pgrep -f -- "$1/data" >/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# running PID: a process, not a zombie (PID 1 in a container may be slow
# to reap the orphans).
running() {
	[ -e "/proc/$1" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null
}

# wait_for FILE PATTERN: until FILE holds PATTERN (fixed string), 30 s.
wait_for() {
	local i
	for i in $(seq 1 300); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# 1: help and usage errors.
out=$("$BELLOWS" demo --help 2>&1); rc=$?
bad1=$("$BELLOWS" demo --rows lots 2>&1); rc1=$?
"$BELLOWS" demo --frobnicate >/dev/null 2>&1; rc2=$?
"$BELLOWS" demo extra >/dev/null 2>&1; rc3=$?
if [ $rc = 0 ] && [[ $out == *--rows* && $out == *--keep* ]] &&
    [ $rc1 = 2 ] && [[ $bad1 == *"--rows"* ]] && [ $rc2 = 2 ] && [ $rc3 = 2 ]; then
	ok "--help prints the options; usage errors exit 2"
else
	notok "--help prints the options; usage errors exit 2" \
	    "help $rc, --rows lots $rc1, unknown option $rc2, argument $rc3: $bad1"
fi

# 2: without --yes and without a terminal, refuse before any set-up.
out=$("$BELLOWS" demo --no-tui </dev/null 2>&1); rc=$?
if [ $rc = 2 ] && [[ $out == *--yes* ]] && [ -z "$(ls -A "$TMPDIR")" ]; then
	ok "no terminal and no --yes: exit 2 before starting a server"
else
	notok "no terminal and no --yes: exit 2 before starting a server" "exit $rc: $out"
fi

# 3, 4: the seed plan end to end, then nothing left.
# A stuck run must fail the test, not hang make check: SIGTERM after 60 s
# (and the demo still cleans up).
timeout 60 "$BELLOWS" demo --no-tui --yes --rows 20000 >"$top/run.out" 2>&1 </dev/null
rc=$?
dir=$(demodir "$top/run.out")
miss=
for p in "20,000 orders" "psql -h $dir -p 5432 -U postgres demo" \
    "expand/add column done" "expand/index done" "backfill done: backfill finished: 20000 rows" \
    "verify done" "contract/drop check done" "finished: every phase is done" \
    "removing $dir ... done"; do
	grep -qF -- "$p" "$top/run.out" || miss="$miss[$p] "
done
if [ $rc = 0 ] && [ -z "$miss" ] && [ -n "$dir" ]; then
	ok "the seed plan runs end to end on the demo server"
else
	notok "the seed plan runs end to end on the demo server" \
	    "exit $rc, missing: $miss
$(tail -n 30 "$top/run.out")"
fi
if [ -n "$dir" ] && gone "$dir" && [ -z "$(ls -A "$TMPDIR")" ]; then
	ok "after the run no server and no directory are left"
else
	notok "after the run no server and no directory are left" "$(ls -A "$TMPDIR")"
fi

# 5: --keep leaves the server up and prints a stop command that works.
timeout 60 "$BELLOWS" demo --no-tui --yes --keep --rows 1000 >"$top/keep.out" 2>&1 </dev/null
rc=$?
dir=$(demodir "$top/keep.out")
stop=$(sed -n 's/^  stop: *//p' "$top/keep.out")
conn=$(sed -n 's/^  connect: *//p' "$top/keep.out")
alive=$(bash -c "$conn -X -Atc 'SELECT count(*) FROM orders'" 2>&1)
bash -c "$stop" >/dev/null 2>&1
if [ $rc = 0 ] && [ "$alive" = 1000 ] && [ -n "$dir" ] && gone "$dir"; then
	ok "--keep leaves the server running; its stop command removes it"
else
	notok "--keep leaves the server running; its stop command removes it" \
	    "exit $rc, psql: $alive, stop: $stop
$(tail -n 8 "$top/keep.out")"
	[ -n "$dir" ] && { bash -c "$stop" >/dev/null 2>&1; rm -rf "$dir"; }
fi

# sig NAME SIGNAL PATTERN WANT: start a demo, send SIGNAL once its output
# holds PATTERN; then the exit code must be WANT (when not KILL) and the
# demo's server, directory and children gone.
sig() {
	local name=$1 signal=$2 pattern=$3 want=$4 out=$top/$2.out pid rc kids k left=
	"$BELLOWS" demo --no-tui --yes --rows 20000 >"$out" 2>&1 </dev/null &
	pid=$!
	wait_for "$out" "$pattern"
	kids=$(pgrep -P $pid)
	kill -s "$signal" $pid
	wait $pid 2>/dev/null
	rc=$?
	dir=$(demodir "$out")
	gone "$dir" || left="directory or server left: $dir"
	for k in $kids; do
		running "$k" && left="$left child $k left"
	done
	if [ -n "$dir" ] && [ -z "$left" ] &&
	    { [ "$signal" = KILL ] || [ $rc = "$want" ]; }; then
		ok "$name"
	else
		notok "$name" "exit $rc (want $want) $left
$(tail -n 10 "$out")"
		[ -n "$dir" ] && rm -rf "$dir"
	fi
}

sig "SIGTERM during set-up exits 5 and cleans up" TERM "initdb" 5
sig "SIGTERM during the run exits 5 and cleans up" TERM "driver:" 5
sig "SIGKILL: the watchdog stops the server and removes the directory" \
    KILL "driver:" 137
