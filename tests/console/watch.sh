#!/usr/bin/env bash
# bellows watch as a console: a headless driver runs a plan in the
# background, the watcher follows it in tmux (read-only), gives the second
# sign-off with s, adds a note with n, and says DRIVER GONE when the driver
# is killed.  The real binary against the scratch server of
# tests/pg-harness; screens compared by content.  TAP output.
set -u
: "${BELLOWS:?BELLOWS must name the bellows binary}"
command -v tmux >/dev/null || { echo "1..0 # SKIP tmux is not installed"; exit 0; }
work=$(mktemp -d)
sock=bellows-watch-$$
tm() { tmux -L "$sock" "$@"; }
# The tmux server (and every bellows in it) and the drivers go, whatever
# happens.
trap 'tm kill-server >/dev/null 2>&1; jobs -p | xargs -r kill -9 2>/dev/null; rm -rf "$work"' EXIT
. "${top_srcdir:-$(dirname "$0")/../..}/tests/tap.sh"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/console/screen.sh"
# watch SESSION NAME OPERATOR: bellows watch at 100x30 in tmux ($GONE_MS:
# its driver-gone window, when set)
watch() {
	sess=$1
	tm new-session -d -s "$1" -x 100 -y 30 \
	    "env LANG=C.UTF-8 PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' \
	     BELLOWS_DRIVER_GONE_MS='${GONE_MS:-}' \
	     '$BELLOWS' watch -d dbname=$db --operator $3 $2; echo \$? >'$work/exit.$1'; sleep 60"
}

db=t_console_watch
psql -X -q -d postgres -c "CREATE DATABASE $db TEMPLATE bellows_template" >/dev/null
q "CREATE TABLE orders (id bigint PRIMARY KEY, note text)" >/dev/null
cat >"$work/pair.conf" <<'PLAN'
name = "pair";
require_second_signoff = [ "contract" ];
phases = (
  { name = "expand"; steps = (
      { name = "add"; sql = "ALTER TABLE orders ADD COLUMN c int"; rollback = "ALTER TABLE orders DROP COLUMN c"; },
      { name = "slow"; sql = "SELECT pg_sleep(2.5)"; rollback = "SELECT 1"; } ); },
  { name = "contract"; steps = (
      { name = "drop"; sql = "ALTER TABLE orders DROP COLUMN note"; } ); }
);
PLAN

# One idle session keeps the tmux server up between the watchers.
tm new-session -d -s keeper -x 80 -y 24 "sleep 600" || {
	echo "Bail out! cannot start tmux"; exit 99; }

echo "1..29"
"$BELLOWS" run --no-tui --yes --operator alice -d "dbname=$db" "$work/pair.conf" \
	</dev/null >"$work/driver.out" 2>&1 &
driver=$!
wait_for "$work/driver.out" "drives run" 50 || true
watch w1 pair bob
expect "the title names the driver and says read-only" \
	"pair +driver alice since [0-9:]+ .*WATCHING \(read-only\)"
expect "the plan's phases and steps are listed" "contract +destructive"
expect "the running step shows with its SQL" "SQL +SELECT pg_sleep\(2.5\)"
expect "the events arrive from the journal" "expand/add +done"
expect "the driver's backend is in the sessions region, marked" \
	"[0-9]+\* .*\(driver\) .*pg_sleep"
lacks "keys that change the run are absent from the key bar" \
	"Pause|Rollback|Cancel|Kill|Confirm"
expect "the driver waits at contract for a second sign-off" \
	"AWAITING SIGN-OFF" 15
expect "s is offered" "s Second sign-off"

# The driver's own name cannot co-sign.
watch w2 pair alice
expect "a watcher under the driver's name sees the wait" "AWAITING SIGN-OFF"
keys s
expect "s under the driver's name is refused" "refused: alice drives this run"
keys q
sleep 0.3
check "q leaves the watcher (exit 0), the driver still waits" \
	[ "$(cat "$work/exit.w2" 2>/dev/null)" = 0 -a -e /proc/$driver ]

sess=w1
keys n
expect "n asks for a note" "Add a note"
keys "checked the replicas" Enter
expect "the note shows in the event log under bob's name" \
	"note: bob: checked the replicas"
keys s
expect "s shows the statements the driver runs once co-signed" \
	"drop: ALTER TABLE orders DROP COLUMN note"
shows "with the lock each takes" "takes ACCESS EXCLUSIVE on orders"
keys -l contrat
keys Enter
expect "a wrong phase name is refused" "typed 'contrat', expected 'contract': nothing was written"
check "and nothing is journaled" \
	[ "$(q "SELECT count(*) FROM bellows.events WHERE run = 'pair' AND kind = 'second-signoff' AND operator = 'bob'")" = 0 ]
keys C-u
keys -l contract
keys Enter
for _ in $(seq 1 100); do kill -0 $driver 2>/dev/null || break; sleep 0.1; done
wait $driver; rc=$?
check "after s the driver goes on and finishes (exit 0)" [ "$rc" = 0 ]
check "the second sign-off is journaled under bob" \
	[ "$(q "SELECT count(*) FROM bellows.events WHERE run = 'pair' AND kind = 'second-signoff' AND operator = 'bob'")" = 1 ]
expect "the watcher shows the run done" " DONE .*|every phase is done"

# --- a driver killed mid-run: DRIVER GONE ----------------------------------
sed -e 's/"pair"/"gone"/' -e 's/pg_sleep(2.5)/pg_sleep(30)/' \
    -e 's/COLUMN c/COLUMN d/g' "$work/pair.conf" >"$work/gone.conf"
"$BELLOWS" run --no-tui --yes --operator alice -d "dbname=$db" "$work/gone.conf" \
	</dev/null >"$work/driver2.out" 2>&1 &
driver=$!
wait_for "$work/driver2.out" "expand/slow start" 50 || true
GONE_MS=3000 watch w3 gone bob
shows_within "driver alice" 10 || true
check "the second driver is running its slow step" kill -0 $driver
kill -9 $driver
wait $driver 2>/dev/null
# The killed client's backend goes when the server notices.
expect "a killed driver first shows as DRIVER RECONNECTING, lock free" \
	"DRIVER RECONNECTING \(lock free for [0-9]+s\)" 15
lacks "and no take-over is suggested yet" "bellows run|DRIVER GONE"
expect "after the window (BELLOWS_DRIVER_GONE_MS=3000) it shows as DRIVER GONE" \
	"DRIVER GONE" 15
expect "with the command that takes over" "to take over: bellows run -d" 5
keys q

# --- a watcher's note reaches the driver's console -------------------------
cat >"$work/noted.conf" <<'PLAN'
name = "noted";
phases = ( { name = "deploy"; gate = "Deploy the app version that writes c."; } );
PLAN
sess=drv
tm new-session -d -s drv -x 100 -y 30 \
    "env LANG=C.UTF-8 PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' \
     '$BELLOWS' run -d dbname=$db --operator alice '$work/noted.conf'; sleep 60"
shows_within "Gate" 10 || true
printf 'note STOP: errors spiking, hold the gate\nquit\n' |
	"$BELLOWS" watch --no-tui --operator bob -d "dbname=$db" noted >"$work/note.out" 2>&1
expect "a watcher's note shows in the driver console's event log within a second" \
	"note: bob: STOP: errors spiking, hold the gate" 1
keys q
# --- the watcher's own connection drops: stale, said so, then back ----------
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
sed 's/name = "noted"/name = "noted2"/' "$work/noted.conf" >"$work/noted2.conf"
sess=drv2
tm new-session -d -s drv2 -x 100 -y 30 \
    "env LANG=C.UTF-8 PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' \
     '$BELLOWS' run -d dbname=$db --operator alice '$work/noted2.conf'; sleep 60"
shows_within "Gate" 10 || true
watch w4 noted2 carol
shows_within "WAITING FOR DRIVER" 10 || true
as_pg "$BELLOWS_TEST_PGBIN/pg_ctl" -D "$BELLOWS_TEST_PGDATA" -m fast -w stop >/dev/null 2>&1
expect "the watcher whose connection dropped says its view is stale" \
	"NO CONNECTION: STALE" 15
as_pg "$BELLOWS_TEST_PGBIN/pg_ctl" -D "$BELLOWS_TEST_PGDATA" -l "$PGHOST/server.log" -w \
	-o "-c listen_addresses='' -k $PGHOST -p $PGPORT -c fsync=off" start >/dev/null 2>&1
expect "and reconnects by itself when the server is back" \
	"reconnected: the view follows the run again" 15
lacks "then the title is no longer stale" "NO CONNECTION"
keys q
