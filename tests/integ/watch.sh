#!/usr/bin/env bash
# Pair sessions: bellows watch follows a headless driver from the journal,
# a watcher's note reaches the driver within a second, a phase listed in
# require_second_signoff waits for a second operator who sees its
# statements and types its name, a driver that reconnects is not called
# gone, and a driver that dies is, after the window.  TAP output.
set -u
: "${BELLOWS:?BELLOWS must name the bellows binary}"
work=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null; jobs -p | xargs -r kill 2>/dev/null; rm -rf "$work"' EXIT
TAP_LOG='$work/*.out'
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tap.sh"

db=t_watch
psql -X -q -d postgres -c "CREATE DATABASE $db TEMPLATE bellows_template" >/dev/null
q "CREATE TABLE orders (id bigint PRIMARY KEY, note text)" >/dev/null

cat >"$work/pair.conf" <<'PLAN'
name = "pair";
require_second_signoff = [ "contract" ];
phases = (
  { name = "expand"; steps = (
      { name = "add"; sql = "ALTER TABLE orders ADD COLUMN c int"; rollback = "ALTER TABLE orders DROP COLUMN c"; },
      { name = "slow"; sql = "SELECT pg_sleep(1.5)"; rollback = "SELECT 1"; } ); },
  { name = "contract"; steps = (
      { name = "drop"; sql = "ALTER TABLE orders DROP COLUMN note"; } ); }
);
PLAN

echo "1..31"
"$BELLOWS" run --no-tui --yes --operator alice -d "dbname=$db" "$work/pair.conf" \
	</dev/null >"$work/driver.out" 2>&1 &
driver=$!
wait_for "$work/driver.out" "drives run" || true
mkfifo "$work/in"
"$BELLOWS" watch --no-tui --operator bob -d "dbname=$db" pair <"$work/in" >"$work/watch.out" 2>&1 &
watcher=$!
exec 3>"$work/in"

check "the watcher names the driver" wait_for "$work/watch.out" "driven by alice"
# Too early: the driver is not waiting for anyone yet.
echo "signoff contract" >&3
check "a sign-off nobody waits for is refused" \
	wait_for "$work/watch.out" "not waiting for a second sign-off of phase 'contract'"
check "and not journaled" \
	[ "$(q "SELECT count(*) FROM bellows.events WHERE run = 'pair' AND kind = 'second-signoff'")" = 0 ]
# The watcher follows within a second: the slow step's end reaches it.
wait_for "$work/driver.out" "expand/slow done" 50
t0=$(date +%s%N)
wait_for "$work/watch.out" "expand/slow done" 30
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "# the watcher printed the step's end ${ms}ms after the driver"
check "the watcher's view follows within a second (${ms}ms)" [ "$ms" -lt 1000 ]
check "the driver waits for a second sign-off at contract" \
	wait_for "$work/driver.out" "awaiting-second-signoff"
# The driver's own name does not count as a second operator.
q "INSERT INTO bellows.events (run, operator, phase, kind, detail) VALUES ('pair', 'alice', 'contract', 'second-signoff', 'self')" >/dev/null
sleep 1.5
check "a sign-off under the driver's own name does not count" \
	bash -c "! grep -q 'contract/drop start' '$work/driver.out'"
t0=$(date +%s%N)
echo "note STOP: errors spiking, hold the gate" >&3
wait_for "$work/driver.out" "note: bob: STOP: errors spiking, hold the gate" 30
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "# the note reached the driver's output ${ms}ms after the watcher sent it"
check "a watcher's note shows in the driver's output within a second (${ms}ms)" \
	[ "$ms" -lt 1000 ]
check "the note is reported, not journaled twice" \
	[ "$(q "SELECT count(*) FROM bellows.events WHERE run = 'pair' AND detail LIKE '%STOP: errors spiking%'")" = 1 ]
echo "signoff" >&3
check "the watcher's sign-off shows the phase's statements first" \
	wait_for "$work/watch.out" "  drop: ALTER TABLE orders DROP COLUMN note  \[irreversible\]"
check "with the lock each takes" wait_for "$work/watch.out" "    takes ACCESS EXCLUSIVE on orders"
check "and asks for the phase's name" \
	wait_for "$work/watch.out" "type the phase name 'contract' to co-sign it as bob"
echo "contrat" >&3
check "a wrong name is refused" \
	wait_for "$work/watch.out" "refused: typed 'contrat', expected 'contract'; nothing was written"
check "and nothing is journaled" \
	[ "$(q "SELECT count(*) FROM bellows.events WHERE run = 'pair' AND kind = 'second-signoff' AND operator = 'bob'")" = 0 ]
check "the driver still waits" bash -c "! grep -q 'contract/drop start' '$work/driver.out'"
echo "signoff" >&3
echo "contract" >&3
for _ in $(seq 1 100); do kill -0 $driver 2>/dev/null || break; sleep 0.1; done; kill $driver 2>/dev/null; wait $driver; rc=$?
check "after bob's sign-off the driver finishes (exit 0)" [ "$rc" = 0 ]
check "both names are journaled" [ "$(q "SELECT count(*) FROM bellows.events WHERE run = 'pair' AND ((kind = 'second-signoff' AND operator = 'bob') OR (kind = 'second-signoff-seen' AND detail LIKE '%bob%alice%'))")" = 2 ]
check "the watcher's note is in the journal" [ "$(q "SELECT count(*) FROM bellows.events WHERE run = 'pair' AND kind = 'note' AND operator = 'bob'")" = 1 ]
exec 3>&-
wait $watcher; rc=$?
check "the watcher exits 0 when the run finishes" [ "$rc" = 0 ] && grep -q "the run has finished (done)" "$work/watch.out"

# --- a driver killed mid-run is reported as gone ---------------------------
sed -e 's/"pair"/"gone"/' -e 's/pg_sleep(1.5)/pg_sleep(30)/' -e 's/COLUMN c/COLUMN g/g' \
	"$work/pair.conf" >"$work/gone.conf"
# drive_and_watch RUN N EXPECT [CONNINFO]: alice drives $work/RUN.conf
# (output in driverN.out; CONNINFO is added to the driver's); once EXPECT
# shows there, a headless watcher (watchN.out).
drive_and_watch() {
	"$BELLOWS" run --no-tui --yes --operator alice -d "dbname=$db ${4:-}" "$work/$1.conf" \
		</dev/null >"$work/driver$2.out" 2>&1 &
	driver=$!
	wait_for "$work/driver$2.out" "$3" 100
	"$BELLOWS" watch --no-tui -d "dbname=$db" "$1" </dev/null >"$work/watch$2.out" 2>&1 &
	watcher=$!
}
BELLOWS_DRIVER_GONE_MS=3000 drive_and_watch gone 2 "expand/slow start"
wait_for "$work/watch2.out" "driven by alice"
kill -0 $driver && kill -9 $driver
check "a killed driver is first a driver reconnecting" \
	wait_for "$work/watch2.out" "driver reconnecting (lock free for" 100
t0=$(date +%s%N)
check "a killed driver is reported as gone" wait_for "$work/watch2.out" "the driver has gone away" 100
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
echo "# gone ${ms}ms after reconnecting was said (window 3000ms, looks every 2000ms)"
check "only after the window (BELLOWS_DRIVER_GONE_MS=3000): ${ms}ms" [ "$ms" -ge 2000 ]
check "gone says how to take over, with the exact command" \
	grep -q "to take over: bellows run -d dbname=$db $work/gone.conf" "$work/watch2.out"
kill $watcher 2>/dev/null

# --- a backfill: progress lines; a server restart: the watcher comes back --
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
q "CREATE TABLE fills (id bigint PRIMARY KEY, note text);
   INSERT INTO fills SELECT g, NULL FROM generate_series(1, 2000) g" >/dev/null
cat >"$work/fill.conf" <<'PLAN'
name = "fill";
phases = ( { name = "fill"; backfill = { table = "fills"; key = "id";
    set = "note = 'n' || id"; where = "note IS NULL";
    batch_rows = 50; min_rows = 50; max_rows = 50; pause_ms = 300; }; } );
PLAN
# The driver logs in as drv; while drv may not log in, its reconnects
# fail after the restart and the run's lock stays free: the watcher,
# back already, must say "reconnecting", never "gone" nor "run the plan".
q "CREATE ROLE drv LOGIN SUPERUSER" >/dev/null
drive_and_watch fill 3 "fill batch: batch 1:" "user=drv"
check "the watcher prints the backfill's progress" \
	wait_for "$work/watch3.out" "-- fill: [0-9]* rows in [0-9]* batches, up to key [0-9]* ([0-9]* rows/s)" 100
# A note while batches run (the executor is busy: the driver reads
# notes on its monitor connection).  Timed from the watcher's exit, just
# after it journaled the note.
printf 'note replica lag 2s, fine\nquit\n' |
	"$BELLOWS" watch --no-tui --operator carol -d "dbname=$db" fill >/dev/null 2>&1
t0=$(date +%s%N)
wait_for "$work/driver3.out" "note: carol: replica lag 2s, fine" 30
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
check "a note during the backfill reaches the driver within a second (${ms}ms)" \
	[ "$ms" -lt 1000 ]
q "ALTER ROLE drv NOLOGIN" >/dev/null
as_pg "$BELLOWS_TEST_PGBIN/pg_ctl" -D "$BELLOWS_TEST_PGDATA" -m fast -w stop >/dev/null 2>&1
check "a lost connection is reported, not fatal" wait_for "$work/watch3.out" "-- connection lost" 50
sleep 3
as_pg "$BELLOWS_TEST_PGBIN/pg_ctl" -D "$BELLOWS_TEST_PGDATA" -l "$PGHOST/server.log" -w \
	-o "-c listen_addresses='' -k $PGHOST -p $PGPORT -c fsync=off" start >/dev/null 2>&1
check "the watcher reconnects when the server is back" wait_for "$work/watch3.out" "-- reconnected" 100
check "while the driver reconnects, the watcher says so" \
	wait_for "$work/watch3.out" "-- driver reconnecting (lock free for [0-9]*s)" 100
sleep 5
check "and neither calls it gone nor suggests running the plan" \
	bash -c "! grep -Eq 'gone away|bellows run|run the plan' '$work/watch3.out'"
q "ALTER ROLE drv LOGIN" >/dev/null
check "the driver comes back once it may log in" \
	wait_for "$work/driver3.out" "reconnected" 400
wait $driver
for _ in $(seq 1 100); do kill -0 $watcher 2>/dev/null || break; sleep 0.1; done
kill $watcher 2>/dev/null; wait $watcher; rc=$?
check "and follows the run to its end (exit 0)" [ "$rc" = 0 ] &&
	grep -q "the run has finished (done)" "$work/watch3.out"
check "the watcher said who drives again when the driver came back" \
	[ "$(grep -c -- "-- driven by alice" "$work/watch3.out")" -ge 2 ]
