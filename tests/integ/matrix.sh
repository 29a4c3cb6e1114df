#!/usr/bin/env bash
# The state x command matrix of the headless runner: drive a real run into
# each state the engine has (checklist, each kind of question, a DDL
# waiting on a lock, its backoff, stopped on a lock or a failed statement,
# a running, paused or throttled backfill, a typed confirmation, waiting
# for a second sign-off), send one command or signal, and check what must
# hold whatever happened: no sanitizer report, every byte printed and
# journaled is UTF-8, the journal agrees with the database, and a run
# afterwards resumes or refuses with a reason.  TAP output.
set -u
: "${BELLOWS:?BELLOWS must name the bellows binary}"
work=$(mktemp -d)
trap 'exec 7>&- 2>/dev/null; jobs -p | xargs -r kill -9 2>/dev/null; rm -rf "$work"' EXIT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tap.sh"

# Cells run a few at a time, each in its own subshell with its own
# directory ($work/ID) and database (t_matrix_ID).
newdb() {
	orders_db "t_matrix_$id" 1000
	q "CREATE TABLE hold_flag (x int)" >/dev/null
}
base=$work

cat >"$base/base.conf" <<'PLAN'
name = "matrix";
lock_timeout = "300ms";
retries = 0;
checklist = ( { id = "pitr"; text = "PITR tested"; } );
phases = (
  { name = "expand"; steps = (
      { name = "add"; sql = "ALTER TABLE orders ADD COLUMN note text";
        rollback = "ALTER TABLE orders DROP COLUMN note"; },
      { name = "nick"; sql = "ALTER TABLE users ADD COLUMN nick text";
        rollback = "ALTER TABLE users DROP COLUMN nick"; } ); },
  { name = "deploy"; gate = "Deploy the app that writes note."; },
  { name = "backfill"; backfill = { table = "orders"; key = "id";
      set = "note = 'n' || id"; batch_rows = 100; max_rows = 100; pause_ms = 100;
      throttle_sql = "SELECT EXISTS (SELECT 1 FROM hold_flag)"; }; },
  { name = "verify"; verify = (
      { sql = "SELECT count(*) FROM orders WHERE note IS NULL"; expect = "0"; } ); },
  { name = "contract"; steps = (
      { name = "nn"; sql = "ALTER TABLE orders ADD CONSTRAINT orders_note_nn CHECK (note IS NOT NULL) NOT VALID";
        rollback = "ALTER TABLE orders DROP CONSTRAINT orders_note_nn"; } ); }
);
PLAN
# Variants: a DDL that waits long on its lock; retries with backoffs;
# a second sign-off before the contract.
sed 's/lock_timeout = "300ms"/lock_timeout = "4s"/' "$base/base.conf" >"$base/slowlock.conf"
sed 's/retries = 0/retries = 20/' "$base/base.conf" >"$base/retry.conf"
sed 's/^retries = 0;/retries = 0;\nrequire_second_signoff = ( "contract" );/' "$base/base.conf" >"$base/second.conf"

# The run on a terminal (script(1)), answered through a fifo (tap.sh).
start() {
	plan=$1
	tty_start "'$BELLOWS' run --no-tui --verbose --operator matrix -d 'dbname=$db' '$base/$plan'"
}
say() { tty_say "$1"; }
seen() { tty_seen "$@"; }
holder() { # holder TABLE: a transaction reading TABLE for a minute
	psql -X -q -d "$db" -c "BEGIN; SELECT count(*) FROM $1; SELECT pg_sleep(60);" >/dev/null 2>&1 </dev/null &
	sleep 0.3
}
release() { q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null; }

# reach STATE: a fresh database and a run driven into STATE.
reach() {
	newdb
	case $1 in
	checklist)	start base.conf; seen "sign off?" ;;
	confirm)	start base.conf; seen "sign off?" && say y && seen "proceed?" ;;
	ddl-waiting)	holder users; start slowlock.conf; seen "sign off?" && say y &&
			seen "proceed?" && say y && seen "expand/nick start" ;;
	backoff)	holder users; start retry.conf; seen "sign off?" && say y &&
			seen "proceed?" && say y && seen "backoff: retrying" ;;
	stopped-lock)	holder users; start base.conf; seen "sign off?" && say y &&
			seen "proceed?" && say y && seen "roll \[b\]ack" ;;
	stopped-fail)	q "ALTER TABLE users ADD COLUMN nick text" >/dev/null
			start base.conf; seen "sign off?" && say y &&
			seen "proceed?" && say y && seen "roll \[b\]ack" ;;
	gate)		start base.conf; seen "sign off?" && say y &&
			seen "proceed?" && say y && seen "confirm when done" ;;
	backfill)	start base.conf; seen "sign off?" && say y &&
			seen "proceed?" && say y && seen "confirm when done" && say y &&
			seen "proceed?" 2 && say y && seen "batch 2:" ;;
	paused)		reach_more backfill && say pause && seen "backfill paused" ;;
	throttled)	q "INSERT INTO hold_flag VALUES (1)" >/dev/null
			start base.conf; seen "sign off?" && say y &&
			seen "proceed?" && say y && seen "confirm when done" && say y &&
			seen "proceed?" 2 && say y &&
			seen "throttle: throttle_sql is true" ;;
	typed)		start base.conf; seen "sign off?" && say y &&
			seen "proceed?" && say y && seen "confirm when done" && say y &&
			seen "proceed?" 2 && say y && seen "proceed?" 3 && say y &&
			seen "type 'orders'" ;;
	second)		start second.conf; seen "sign off?" && say y &&
			seen "proceed?" && say y && seen "confirm when done" && say y &&
			seen "proceed?" 2 && say y && seen "awaiting-second-signoff" ;;
	esac
}
reach_more() { # the same database: continue to the next state
	start base.conf; seen "sign off?" && say y && seen "proceed?" && say y &&
		seen "confirm when done" && say y && seen "proceed?" 2 && say y &&
		seen "batch 2:"
}

# send INPUT: a line, "sig" for SIGINT, or "b/n", "b/y" (roll back, then
# decline or accept).
send() {
	case $1 in
	sig)	pkill -INT -f "bellows run --no-tui --verbose --operator matrix -d dbname=$db " ;;
	b/n)	say b; seen "roll back, undoing" && say n ;;
	b/y)	say b; seen "roll back, undoing" && say y ;;
	*)	say "$1" ;;
	esac
}

# finish: let the command act, then end the run whatever it waits for.
finish() {
	local i
	sleep 1
	release
	q "DELETE FROM hold_flag" >/dev/null
	for i in $(seq 1 40); do
		kill -0 "$tty_pid" 2>/dev/null || break
		[ "$i" = 4 ] && say q
		[ "$i" = 8 ] && pkill -INT -f "bellows run --no-tui --verbose --operator matrix -d dbname=$db "
		sleep 0.3
	done
	ended=yes
	if kill -0 "$tty_pid" 2>/dev/null; then
		ended=no
		pkill -9 -f "bellows run --no-tui --verbose --operator matrix -d dbname=$db "
	fi
	wait "$tty_pid" 2>/dev/null
	exec 7>&-
}

# What must hold after any command in any state.
invariants() {
	local what="$1 + $2" j
	if [ "$ended" != yes ]; then
		notok "$what: the run ends when told to (q, then SIGINT)"
		tail -5 "$work/tty.out" | sed 's/^/#   /'
		return
	fi
	if grep -q -E "AddressSanitizer|runtime error:|LeakSanitizer|ERROR 22021" "$work/tty.out"; then
		notok "$what: no sanitizer report or encoding error"
		grep -E -m3 "AddressSanitizer|runtime error:|LeakSanitizer|22021" "$work/tty.out" | sed 's/^/#   /'
		return
	fi
	if ! iconv -f UTF-8 -t UTF-8 "$work/tty.out" >/dev/null 2>&1; then
		notok "$what: the output is valid UTF-8"
		return
	fi
	q "SELECT coalesce(string_agg(coalesce(detail, '') || coalesce(phase, '') || coalesce(step, ''), E'\n'), '') FROM bellows.events" >"$work/j.txt" 2>&1
	if ! iconv -f UTF-8 -t UTF-8 "$work/j.txt" >/dev/null 2>&1; then
		notok "$what: the journal's texts are valid UTF-8"
		return
	fi
	# The journal agrees with the database: a DDL step is done exactly
	# when its column is there, and the backfill counts what is filled.
	j=$(q "SELECT string_agg(CASE WHEN (s.state = 'done') <> (a.attname IS NOT NULL)
		THEN s.step_name || ' is ' || s.state || ' but its column is ' ||
		CASE WHEN a.attname IS NULL THEN 'absent' ELSE 'there' END END, '; ')
		FROM bellows.steps s LEFT JOIN pg_attribute a ON NOT a.attisdropped AND
		((s.step_name = 'add' AND a.attrelid = 'orders'::regclass AND a.attname = 'note') OR
		 (s.step_name = 'nick' AND a.attrelid = 'users'::regclass AND a.attname = 'nick'))
		WHERE s.step_name IN ('add', 'nick') AND NOT (s.step_name = 'nick' AND '$1' = 'stopped-fail')" 2>&1) ||
		j="the check failed: $j"
	if [ -n "$j" ]; then
		notok "$what: the journal agrees with the database" "$j"
		return
	fi
	j=$(q "SELECT s.rows_done || ' journaled, ' || (SELECT count(*) FROM orders WHERE to_jsonb(orders) ->> 'note' = 'n' || id) || ' filled'
		FROM bellows.steps s WHERE s.kind = 'backfill' AND s.state NOT IN ('rolled_back', 'pending')
		AND s.rows_done <> (SELECT count(*) FROM orders WHERE to_jsonb(orders) ->> 'note' = 'n' || id)" 2>&1) ||
		j="the check failed: $j"
	if [ -n "$j" ]; then
		notok "$what: the backfill's journal counts what is filled" "$j"
		return
	fi
	# Afterwards a run resumes (to the end or to a question it cannot
	# answer) or refuses, saying why, and never hangs.
	[ "$1" = stopped-fail ] && q "ALTER TABLE users DROP COLUMN nick" >/dev/null 2>&1
	timeout "$([ "$plan" = second.conf ] && echo 6 || echo 60)" "$BELLOWS" run --no-tui --yes --operator matrix -d "dbname=$db" "$base/$plan" \
		</dev/null >"$work/rerun.out" 2>&1
	rc=$?
	case $rc in
	0) ;;
	1|2|4) grep -q "^bellows: " "$work/rerun.out" || {
		notok "$what: a refused re-run says why (exit $rc)"
		tail -3 "$work/rerun.out" | sed 's/^/#   /'
		return
	} ;;
	*)	if [ "$plan" = second.conf ] && [ "$rc" = 124 ] &&
		    grep -q "awaiting-second-signoff" "$work/rerun.out"; then
			:
		else
			notok "$what: a re-run resumes or refuses (exit $rc)"
			tail -3 "$work/rerun.out" | sed 's/^/#   /'
			return
		fi ;;
	esac
	if grep -q -E "AddressSanitizer|runtime error:|LeakSanitizer" "$work/rerun.out"; then
		notok "$what: no sanitizer report in the re-run"
		return
	fi
	ok "$what: ends, UTF-8, journal agrees, re-run resumes or refuses (exit $rc)"
}

cell() { # cell ID STATE INPUT: in a subshell, its result in $base/ID.res
	id=$1
	work=$base/$1
	mkdir -p "$work"
	n=0
	if ! reach "$2"; then
		notok "$2 + $3: the state was reached"
		tail -5 "$work/tty.out" | sed 's/^/#   /'
		release
		finish
	else
		send "$3"
		finish
		invariants "$2" "$3"
	fi
}

cells=(
	"checklist y" "checklist n" "checklist override pitr because tested"
	"checklist zzz" "checklist sig"
	"confirm y" "confirm n" "confirm b" "confirm pause" "confirm sig"
	"ddl-waiting sig" "ddl-waiting pause" "ddl-waiting b" "ddl-waiting zzz"
	"backoff sig" "backoff b"
	"stopped-lock r" "stopped-lock b/n" "stopped-lock b/y" "stopped-lock q"
	"stopped-lock sig" "stopped-lock pause"
	"stopped-fail r" "stopped-fail b/y" "stopped-fail q"
	"gate y" "gate n" "gate b/n" "gate sig"
	"backfill pause" "backfill b/n" "backfill b/y" "backfill sig"
	"paused resume" "paused b/y" "paused sig" "paused q"
	"throttled sig" "throttled pause"
	"typed wrong" "typed orders" "typed sig"
	"second sig" "second y"
)
# Six cells at a time: most of a cell's time is waiting.
for ((i = 0; i < ${#cells[@]}; i += 6)); do
	for ((k = i; k < i + 6 && k < ${#cells[@]}; k++)); do
		set -- ${cells[$k]}
		st=$1
		shift
		(exec 7>&-; cell "$k" "$st" "$*" >"$base/$k.res" 2>&1) &
	done
	wait
done
n=0
for ((k = 0; k < ${#cells[@]}; k++)); do
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok [0-9]* - }" ;;
		"not ok "*) notok "${line#not ok [0-9]* - }" ;;
		*) echo "$line" ;;
		esac
	done <"$base/$k.res"
done

echo "1..$n"
