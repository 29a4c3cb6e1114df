#!/usr/bin/env bash
# The incident path: what bellows does after something went wrong (a step
# stopped on a lock, a rollback declined, interrupted or failed, a kill -9
# during an index build, a dropped monitor, a changed plan), against the
# scratch server of tests/pg-harness.  TAP output.
set -u
: "${BELLOWS:?BELLOWS must name the bellows binary}"
work=$(mktemp -d)
trap 'exec 7>&- 2>/dev/null; jobs -p | xargs -r kill -9 2>/dev/null; rm -rf "$work"' EXIT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tap.sh"

newdb() { orders_db t_incident_$((++dbs)) "${1:-5000}"; }
dbs=0

run() { # run ARGS...: bellows with stdin closed, output in $work/out, status in $rc
	"$BELLOWS" "$@" -d "dbname=$db" </dev/null >"$work/out" 2>&1
	rc=$?
}

answer() { tty_say "$1"; }
interrupt_backfill() { # interrupt_backfill PLAN: SIGINT once 3000 rows are done
	"$BELLOWS" run --no-tui --yes -d "dbname=$db" "$work/$1" </dev/null >"$work/bf.out" 2>&1 &
	drv=$!
	for _ in $(seq 1 100); do
		[ "$(q "SELECT rows_done FROM bellows.steps WHERE phase = 1" 2>/dev/null)" -ge 3000 ] 2>/dev/null && break
		sleep 0.1
	done
	kill -INT $drv
	wait $drv
}
absent() { ! grep -q -- "$1" "$2"; }
utf8() { iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1; }
no_sanitizer() { ! grep -q -E "AddressSanitizer|runtime error:|LeakSanitizer" "$1"; }
blocker() { # blocker SECONDS: a transaction reading orders, its pid in $bpid
	psql -X -q -d "$db" -c "BEGIN; SELECT count(*) FROM orders; SELECT pg_sleep($1); COMMIT;" >/dev/null 2>&1 &
	bjob=$!
	for _ in $(seq 1 50); do
		bpid=$(q "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep($1)%' AND pid <> pg_backend_pid()")
		[ -n "$bpid" ] && return 0
		sleep 0.1
	done
}
unblock() { q "SELECT pg_terminate_backend($bpid)" >/dev/null; wait "$bjob" 2>/dev/null; }
journal_utf8() { # every event and step text of the journal is valid UTF-8
	q "SELECT coalesce(string_agg(coalesce(detail, '') || coalesce(phase, '') || coalesce(step, ''), E'\n'), '') FROM bellows.events" >"$work/journal.txt" &&
		utf8 "$work/journal.txt"
}


# --- 1: a rollback declined at a step stopped on a lock -------------------
newdb
cat >"$work/add.conf" <<'PLAN'
name = "add-note";
lock_timeout = "300ms";
retries = 1;
phases = (
  { name = "expand"; steps = (
      { name = "add"; sql = "ALTER TABLE orders ADD COLUMN note text";
        rollback = "ALTER TABLE orders DROP COLUMN note"; } ); }
);
PLAN
cat >"$work/two.conf" <<'PLAN'
name = "two-steps";
lock_timeout = "300ms";
retries = 1;
phases = (
  { name = "expand"; steps = (
      { name = "add"; sql = "ALTER TABLE orders ADD COLUMN note text";
        rollback = "ALTER TABLE orders DROP COLUMN note"; },
      { name = "nick"; sql = "ALTER TABLE users ADD COLUMN nick text";
        rollback = "ALTER TABLE users DROP COLUMN nick"; },
      { name = "never"; sql = "ALTER TABLE orders DROP COLUMN status"; } ); }
);
PLAN
psql -X -q -d "$db" -c "BEGIN; SELECT count(*) FROM users; SELECT pg_sleep(61); COMMIT;" >/dev/null 2>&1 &
bjob=$!
sleep 0.5
bpid=$(q "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(61)%' AND pid <> pg_backend_pid()")
tty_start "'$BELLOWS' run --no-tui -d 'dbname=$db' '$work/two.conf'"
tty_seen "proceed?" && answer y
tty_seen "roll \[b\]ack" && answer b
tty_seen "proceed?" 2 && answer n
tty_seen "roll \[b\]ack" 2 && answer q
tty_end
TAP_LOG='$work/tty.out'
check "declining the rollback returns to the stopped step; quit exits 1" [ "$rc" = 1 ]
check "no sanitizer report on the declined-rollback path" no_sanitizer "$work/tty.out"
check "everything printed is valid UTF-8" utf8 "$work/tty.out"
check "the stopped step still names the blocker (pid $bpid) after the decline" \
	[ "$(grep -c "in the way: pid $bpid" "$work/tty.out")" -ge 2 ]
check "the rollback question showed the undo, its lock and the data lost" \
	grep -q "the column orders.note and its data" "$work/tty.out" &&
	grep -q "ALTER TABLE orders DROP COLUMN note" "$work/tty.out" &&
	grep -q "takes ACCESS EXCLUSIVE on orders" "$work/tty.out"
check "it lists only steps that ran (not the never-run irreversible one)" \
	absent "then stops at" "$work/tty.out"
TAP_LOG='$work/out'
check "the journal has no encoding error and names the blocker twice" \
	[ "$(q "SELECT count(*) FROM bellows.events WHERE kind = 'stopped' AND detail LIKE '%pid $bpid%'")" -ge 2 ]
check "every journal text is valid UTF-8" journal_utf8
check "the stopped step is journaled failed, the run failed" \
	[ "$(q "SELECT r.state || ' ' || s.state FROM bellows.runs r JOIN bellows.steps s ON s.run = r.name AND s.step = 1")" = "failed failed" ]
unblock
head -n 9 "$work/two.conf" | sed '9s/},$/} ); }/' >"$work/two-ok.conf"
echo ");" >>"$work/two-ok.conf"
run run --no-tui --yes --force "$work/two-ok.conf"
check "a re-run afterwards resumes at the stopped step and finishes" [ "$rc" = 0 ] &&
	[ "$(q "SELECT count(*) FROM pg_attribute WHERE attname = 'nick' AND NOT attisdropped")" = 1 ]
newdb

# --- 2: a failed undo is redone by the next rollback, never skipped -------
run run --no-tui --yes "$work/add.conf"
blocker 60
run rollback --no-tui --yes "$work/add.conf"
check "a rollback stopped by a lock exits 1" [ "$rc" = 1 ]
check "its undo is journaled failed while the step stays done" \
	[ "$(q "SELECT state || ' ' || undo FROM bellows.steps")" = "done failed" ]
unblock
run rollback --no-tui --yes "$work/add.conf"
check "the next rollback redoes the undo (exit 0)" [ "$rc" = 0 ]
check "and the column is really gone" [ "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'note' AND NOT attisdropped")" = 0 ]
check "the step is rolled back, its undo done" \
	[ "$(q "SELECT state || ' ' || undo FROM bellows.steps")" = "rolled_back done" ]

# --- 3: kill -9 and SIGINT during an undo, then rollback again ------------
for sig in KILL INT; do
	newdb
	sed -e 's/add-note/slow-undo/' \
	    -e 's/DROP COLUMN note"/DROP COLUMN note; SELECT pg_sleep(4)"/' "$work/add.conf" >"$work/slow.conf"
	run run --no-tui --yes "$work/slow.conf"
	"$BELLOWS" rollback --no-tui --yes -d "dbname=$db" "$work/slow.conf" </dev/null >"$work/rb.out" 2>&1 &
	rb=$!
	wait_for "$work/rb.out" "rollback-start" 50
	sleep 0.5
	kill -$sig $rb
	wait $rb
	sleep 1.5 # the server notices the dead client (client_connection_check_interval)
	check "after kill -$sig during the undo the column is still there" \
		[ "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'note' AND NOT attisdropped")" = 1 ]
	run run --no-tui --yes "$work/slow.conf"
	check "after kill -$sig during the undo, run refuses to go forward (exit 2), saying rollback finishes it" \
		[ "$rc" = 2 ] && grep -q "a rollback did not finish.*bellows rollback" "$work/out"
	"$BELLOWS" status -d "dbname=$db" slow-undo >"$work/st.out" 2>&1
	check "and status says the undo is unfinished" grep -q "its undo .*bellows rollback' finishes it" "$work/st.out"
	run rollback --no-tui --yes "$work/slow.conf"
	check "after kill -$sig the next rollback redoes the undo and drops the column" \
		[ "$rc" = 0 ] && [ "$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'note' AND NOT attisdropped")" = 0 ]
done

# --- 4: kill -9 during CREATE INDEX CONCURRENTLY, then one resume ---------
for ine in "" " IF NOT EXISTS"; do
	newdb
	cat >"$work/cic.conf" <<PLAN
name = "cic";
phases = ( { name = "expand"; steps = (
  { name = "index"; sql = "CREATE INDEX CONCURRENTLY$ine orders_status_idx ON orders (status)";
    rollback = "DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx"; } ); } );
PLAN
	# A transaction with an open snapshot makes the build wait.
	psql -X -q -d "$db" -c "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM users; SELECT pg_sleep(60); COMMIT;" >/dev/null 2>&1 &
	snap=$!
	sleep 0.5
	"$BELLOWS" run --no-tui --yes -d "dbname=$db" "$work/cic.conf" </dev/null >"$work/cic.out" 2>&1 &
	drv=$!
	for _ in $(seq 1 50); do
		[ "$(q "SELECT count(*) FROM pg_class WHERE relname = 'orders_status_idx'")" = 1 ] && break
		sleep 0.1
	done
	kill -9 $drv
	wait $drv 2>/dev/null
	# The server cancels the build once it notices the dead client
	# (client_connection_check_interval); only then does the snapshot go.
	for _ in $(seq 1 50); do
		[ "$(q "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'CREATE INDEX%'")" = 0 ] && break
		sleep 0.1
	done
	q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
	wait $snap 2>/dev/null
	check "kill -9 during CIC$ine left the index INVALID" \
		[ "$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_status_idx'::regclass")" = f ]
	run run --no-tui --yes "$work/cic.conf"
	check "the first resume after the kill (CIC$ine) finishes (exit 0)" [ "$rc" = 0 ]
	check "and the index is valid, the INVALID one dropped first" \
		[ "$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_status_idx'::regclass")" = t ] &&
		grep -q "invalid-index-dropped" "$work/out"
done

# --- 5: counts across a rollback ----------------------------------------
newdb 20000
cat >"$work/bf.conf" <<'PLAN'
name = "bf";
phases = (
  { name = "expand"; steps = (
      { name = "add"; sql = "ALTER TABLE orders ADD COLUMN user_email text";
        rollback = "ALTER TABLE orders DROP COLUMN user_email"; } ); },
  { name = "backfill"; backfill = {
      table = "orders"; key = "id"; set = "user_email = u.email"; from = "users u";
      where = "u.id = orders.user_id"; batch_rows = 500; max_rows = 500; pause_ms = 60; }; }
);
PLAN
interrupt_backfill bf.conf
run rollback --no-tui --yes "$work/bf.conf"
check "the rollback of a part-done backfill exits 0" [ "$rc" = 0 ]
run run --no-tui --yes "$work/bf.conf"
check "the re-run after the rollback finishes" [ "$rc" = 0 ]
check "the resumed run did not resume the rolled-back attempt" \
	absent "already done" "$work/out"
"$BELLOWS" status --format=json -d "dbname=$db" bf >"$work/status.json" 2>&1
check "status counts the rows of the attempt that stands (20000)" \
	grep -q '"rows_done":20000' "$work/status.json"
check "the journal agrees with the data" \
	[ "$(q "SELECT s.rows_done = (SELECT count(*) FROM orders WHERE user_email IS NOT NULL) FROM bellows.steps s WHERE phase = 1")" = t ]
"$BELLOWS" report --format=json -d "dbname=$db" bf >"$work/report.json" 2>&1
add_ms=$(q "SELECT (extract(epoch FROM finished_at - attempt_started_at) * 1000)::int FROM bellows.steps WHERE phase = 0")
check "the ADD COLUMN's duration is its own attempt's ($add_ms ms), not the time since the first run" \
	[ "$add_ms" -lt 2000 ]

# --- 6: --force maps a changed plan by identity --------------------------
newdb
cat >"$work/f1.conf" <<'PLAN'
name = "forced";
lock_timeout = "200ms";
retries = 0;
phases = ( { name = "expand"; steps = (
  { name = "a"; sql = "ALTER TABLE orders ADD COLUMN a int"; rollback = "ALTER TABLE orders DROP COLUMN a"; },
  { name = "b"; sql = "ALTER TABLE orders ADD COLUMN b int"; rollback = "ALTER TABLE orders DROP COLUMN b"; } ); } );
PLAN
q "CREATE TABLE gate (x int)" >/dev/null
sed 's/ADD COLUMN b int"/ADD COLUMN b int; LOCK TABLE gate NOWAIT"/' "$work/f1.conf" >"$work/f1b.conf"
psql -X -q -d "$db" -c "BEGIN; LOCK TABLE gate; SELECT pg_sleep(30);" >/dev/null 2>&1 &
lk=$!
sleep 0.3
run run --no-tui --yes "$work/f1b.conf"
kill $lk 2>/dev/null; q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()" >/dev/null
check "step b fails after step a is done" [ "$rc" = 1 ]
# Insert a step before a: by position it would take a's "done" and shift b.
sed 's/{ name = "a";/{ name = "z"; sql = "ALTER TABLE orders ADD COLUMN z int"; rollback = "ALTER TABLE orders DROP COLUMN z"; },\n  { name = "a";/' "$work/f1.conf" >"$work/f2.conf"
run run --no-tui --yes --force "$work/f2.conf"
check "with a step inserted, --force runs the new step and finishes (exit 0)" [ "$rc" = 0 ]
check "the inserted step ran, a was not re-run, b ran" \
	[ "$(q "SELECT string_agg(attname, ',' ORDER BY attname) FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname IN ('a', 'b', 'z')")" = "a,b,z" ]
grep -v 'name = "a"' "$work/f2.conf" >"$work/f3.conf"
run run --no-tui --yes --force "$work/f3.conf"
check "removing a done step is refused (exit 2), naming it" [ "$rc" = 2 ] && grep -q "step 'a'" "$work/out"

# --- 7: every way out journals the state that is true --------------------
newdb
blocker 60
sed -e 's/retries = 1/retries = 10/' -e 's/add-note/retrying/' "$work/add.conf" >"$work/retrying.conf"
"$BELLOWS" run --no-tui --yes -d "dbname=$db" "$work/retrying.conf" </dev/null >"$work/bo.out" 2>&1 &
drv=$!
wait_for "$work/bo.out" "backoff: retrying" 50
kill -TERM $drv
wait $drv
rc=$?
unblock
check "SIGTERM during a retry backoff exits 5" [ "$rc" = 5 ]
states=$(q "SELECT r.state || ' ' || s.state FROM bellows.runs r JOIN bellows.steps s ON s.run = r.name")
TAP_LOG='$work/bo.out'
check "and journals the step and the run interrupted, not failed ($states)" \
	[ "$states" = "interrupted interrupted" ]
TAP_LOG='$work/out'

newdb
cat >"$work/cl.conf" <<'PLAN'
name = "checklist";
checklist = ( { id = "long-tx"; text = "No transaction older than 1s";
    auto = "long_transactions"; max = "1s"; } );
phases = ( { name = "expand"; steps = (
  { name = "add"; sql = "ALTER TABLE orders ADD COLUMN c int"; rollback = "ALTER TABLE orders DROP COLUMN c"; } ); } );
PLAN
psql -X -q -d "$db" -c "BEGIN; SELECT txid_current(); SELECT pg_sleep(30);" >/dev/null 2>&1 &
old=$!
sleep 2
run run --no-tui --yes "$work/cl.conf"
check "a failing automatic item under --yes without a terminal exits 1 at once" [ "$rc" = 1 ]
check "naming the item" grep -q "long-tx" "$work/out"
check "the interruption is journaled against the run, not a step that never ran" \
	[ "$(q "SELECT count(*) FROM bellows.events WHERE kind = 'interrupted' AND phase IS NULL")" -ge 1 ] &&
	[ "$(q "SELECT count(*) FROM bellows.steps WHERE state <> 'pending'")" = 0 ]
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()" >/dev/null
wait $old 2>/dev/null

newdb
cat >"$work/irr.conf" <<'PLAN'
name = "irreversible";
phases = ( { name = "contract"; steps = (
  { name = "drop"; sql = "ALTER TABLE orders DROP COLUMN status"; } ); } );
PLAN
run run --no-tui --yes "$work/irr.conf"
run rollback --no-tui --yes "$work/irr.conf"
check "rollback of a done run ending in an irreversible step is refused (exit 1)" [ "$rc" = 1 ] &&
	grep -q "irreversible" "$work/out"
check "and the run stays done" [ "$(q "SELECT state FROM bellows.runs")" = done ]

# --- 8: the monitor is terminated mid-backfill; a throttle still acts ----
newdb 20000
q "CREATE TABLE hold_flag (x int)" >/dev/null
cat >"$work/mon.conf" <<'PLAN'
name = "monitor";
phases = (
  { name = "backfill"; backfill = {
      table = "orders"; key = "id"; set = "status = 'x'";
      batch_rows = 200; max_rows = 200; pause_ms = 100;
      throttle_sql = "SELECT EXISTS (SELECT 1 FROM hold_flag)"; }; }
);
PLAN
"$BELLOWS" run --no-tui --yes -d "dbname=$db" "$work/mon.conf" </dev/null >"$work/mon.out" 2>&1 &
drv=$!
wait_for "$work/mon.out" "batch" 100
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'bellows:monitor:monitor'" >/dev/null
TAP_LOG='$work/mon.out'
check "a terminated monitor connection is said and reopened" \
	wait_for "$work/mon.out" "monitor-back" 100
q "INSERT INTO hold_flag VALUES (1)" >/dev/null
check "after the monitor came back, throttle_sql still holds the backfill" \
	wait_for "$work/mon.out" "throttle: throttle_sql is true" 100
held=$(q "SELECT rows_done FROM bellows.steps")
sleep 1.5
check "and no batch runs while it holds" [ "$(q "SELECT rows_done FROM bellows.steps")" = "$held" ]
q "DELETE FROM hold_flag" >/dev/null
wait $drv
check "released, the backfill finishes (exit 0)" [ "$?" = 0 ]
TAP_LOG='$work/out'

# --- 9: a backfill's rate does not span an interruption -----------------
newdb 20000
sed 's/name = "bf"/name = "bf-rate"/' "$work/bf.conf" >"$work/rate.conf"
interrupt_backfill rate.conf
sleep 3
run run --no-tui --yes "$work/rate.conf"
check "the resumed backfill finishes" [ "$rc" = 0 ]
times=$(q "SELECT active_ms || ' of ' || round(extract(epoch FROM finished_at - started_at) * 1000) FROM bellows.steps WHERE phase = 1")
check "its working time leaves out the 3 s it was stopped ($times ms)" \
	[ "$(q "SELECT active_ms > 0 AND active_ms < extract(epoch FROM finished_at - started_at) * 1000 - 2500 FROM bellows.steps WHERE phase = 1")" = t ]
"$BELLOWS" status --format=json -d "dbname=$db" bf-rate >"$work/status.json" 2>&1
want=$(q "SELECT round(rows_done * 1000.0 / active_ms) FROM bellows.steps WHERE phase = 1")
check "status gives rows/s over that working time ($want)" \
	grep -q "\"rows_per_s\":$want" "$work/status.json"

# --- 10: headless, a stopped step's blocker terminated by name ----------
newdb
blocker 60
tty_start "'$BELLOWS' run --no-tui -d 'dbname=$db' '$work/add.conf'"
tty_seen "proceed?" && answer y
tty_seen "roll \[b\]ack" && answer "terminate $bpid"
tty_seen "terminate: backend $bpid terminated" && answer r
tty_end
TAP_LOG='$work/tty.out'
check "the retry question is asked once, with its keys" \
	[ "$(grep -c "retry, roll back or quit" "$work/tty.out")" = 0 ] &&
	grep -q "or terminate PID" "$work/tty.out"
check "terminate PID at a stopped step ends the blocker, journaled with who asked" \
	[ "$(q "SELECT count(*) FROM bellows.events WHERE kind = 'terminate' AND detail LIKE '%$bpid%'")" = 1 ]
check "then r retries and the step finishes (exit 0)" [ "$rc" = 0 ] &&
	[ "$(q "SELECT state FROM bellows.steps")" = done ]
TAP_LOG='$work/out'
wait "$bjob" 2>/dev/null

# --- 11: cancel wins over a short lock_timeout's next attempt ----------
newdb
blocker 60
sed -e 's/retries = 1/retries = 100/' -e 's/add-note/cancel-wins/' "$work/add.conf" >"$work/cancel.conf"
tty_start "'$BELLOWS' run --no-tui -d 'dbname=$db' '$work/cancel.conf'"
tty_seen "proceed?" && answer y
tty_seen "backoff: retrying" 2 && answer cancel
tty_seen "roll \[b\]ack"
attempts=$(q "SELECT attempts FROM bellows.steps")
sleep 1.5
TAP_LOG='$work/tty.out'
check "cancel during a retry loop stops the step: no attempt after it ($attempts)" \
	[ "$(q "SELECT attempts FROM bellows.steps")" = "$attempts" ] &&
	grep -q "stopped: cancelled by" "$work/tty.out"
answer q
tty_end
check "and the run exits 1 with the step failed" [ "$rc" = 1 ] &&
	[ "$(q "SELECT state FROM bellows.steps")" = failed ]
TAP_LOG='$work/out'
unblock

echo "1..$n"
