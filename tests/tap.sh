# tests/tap.sh: TAP helpers for the shell tests, sourced after $work (a
# temporary directory) and $db (the test database) are set or will be.
#   ok NAME / notok NAME [DIAGNOSTIC...]   one TAP line, counted in $n
#   check NAME COMMAND...                  ok when COMMAND succeeds, else
#                                          notok with the tail of $TAP_LOG
#   q SQL                                  psql on $db, unaligned, stops on error
#   wait_for FILE PATTERN [TENTHS]         until PATTERN shows in FILE (10 s)
n=0
: "${TAP_LOG:=\$work/out}"

ok() { n=$((n + 1)); echo "ok $n - $1"; }

notok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	shift
	for l in "$@"; do echo "# $l"; done
}

check() {
	local name=$1
	shift
	if "$@"; then
		ok "$name"
	else
		notok "$name" "output:"
		eval "tail -q -n 30 $TAP_LOG" 2>/dev/null | sed 's/^/#   /'
	fi
}

q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

wait_for() {
	local i
	for i in $(seq 1 "${3:-100}"); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# orders_db NAME [ROWS]: a fresh database NAME (in $db) from the harness's
# template, with users (200 rows) and orders (ROWS, 5000 by default).
orders_db() {
	db=$1
	psql -X -q -d postgres -c "CREATE DATABASE $db TEMPLATE bellows_template" >/dev/null
	q "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);
	   CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL REFERENCES users,
	       amount numeric NOT NULL DEFAULT 0, status text);
	   INSERT INTO users SELECT g, 'user' || g || '@example.com' FROM generate_series(1, 200) g;
	   INSERT INTO orders SELECT g, 1 + g % 200, g FROM generate_series(1, ${2:-5000}) g;" >/dev/null
}

# A command on a terminal (script(1) gives it one), answered line by line
# through a fifo: tty_start CMD (one shell string), tty_say LINE, tty_seen
# PATTERN [N] (until PATTERN shows N times in $work/tty.out, 10 s), then
# tty_end (waits up to 20 s, then kills; status in $rc).
tty_start() {
	rm -f "$work/tty.in"
	mkfifo "$work/tty.in"
	script -qfec "$1" /dev/null <"$work/tty.in" >"$work/tty.out" 2>&1 &
	tty_pid=$!
	exec 7>"$work/tty.in"
}
tty_say() { printf '%s\n' "$1" >&7; }
tty_seen() {
	local i
	for i in $(seq 1 100); do
		[ "$(grep -c -- "$1" "$work/tty.out" 2>/dev/null)" -ge "${2:-1}" ] && return 0
		sleep 0.1
	done
	return 1
}
tty_end() {
	local i
	for i in $(seq 1 200); do
		kill -0 "$tty_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$tty_pid" 2>/dev/null
	wait "$tty_pid"
	rc=$?
	exec 7>&-
}
