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
