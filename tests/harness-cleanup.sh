#!/usr/bin/env bash
# The scratch-server harness leaves nothing behind: not after a normal run,
# not after SIGTERM or SIGINT, not after SIGKILL (its watchdog cleans up).
# TAP output.  It starts harnesses of its own to kill.
set -u
harness=${top_srcdir:-$(dirname "$0")/../..}/tests/pg-harness
echo "1..4"
n=0

# Start a harness whose command reports its cluster directory and waits.
start() {
	out=$(mktemp)
	# Job control: the harness gets its own process group and, unlike a
	# plain background job, does not ignore SIGINT (as under Ctrl-C).
	set -m
	bash "$harness" bash -c 'echo "$PGHOST $$"; exec sleep 60' >"$out" 2>/dev/null &
	hpid=$!
	set +m
	dir= cmdpid=
	for _ in $(seq 1 200); do
		read -r dir cmdpid <"$out" 2>/dev/null
		case $dir in /*) break ;; esac
		sleep 0.1
	done
	rm -f "$out"
}

# ok N NAME: the cluster of $dir is gone within 10 s.
check_gone() {
	n=$((n + 1))
	for _ in $(seq 1 100); do
		if [ ! -e "$dir" ] && ! pgrep -f -- "-D $dir/data" >/dev/null; then
			echo "ok $n - $1"
			return
		fi
		sleep 0.1
	done
	echo "not ok $n - $1 (left behind: $dir)"
}

dir=$(bash "$harness" bash -c 'echo "$PGHOST"' 2>/dev/null | tail -n 1)
check_gone "normal exit removes the cluster"

for sig in TERM INT KILL; do
	start
	case $dir in
	/*) ;;
	*) n=$((n + 1)); echo "not ok $n - harness did not start for SIG$sig"; continue ;;
	esac
	kill -s $sig $hpid
	wait $hpid 2>/dev/null
	# After SIGKILL the harness cannot pass the signal on to its command.
	[ -n "$cmdpid" ] && kill "$cmdpid" 2>/dev/null
	check_gone "SIG$sig to the harness stops the server and removes the cluster"
done
