# tests/console/screen.sh: reading a bellows console in tmux, for the
# console tests (sourced after tests/tap.sh).  The test defines tm (tmux on
# its own socket), $sess (the session being read) and $work.
#   screen                        capture the pane into $work/screen
#   shows_within PATTERN [SECS]   until the screen shows PATTERN (grep -E), 10 s
#   expect NAME PATTERN [SECS]    ok when it shows within SECS, else the screen
#   shows NAME PATTERN            ok when the screen shows it now
#   lacks NAME PATTERN            ok when the screen does not show it now
#   keys KEY...                   send-keys to $sess; a confirming first key
#                                 (c, Enter, s, y) waits 0.3 s as a person
#                                 reading the screen does: the console ignores
#                                 it sooner after a new question (UI_READ_MS)
#   notok_screen NAME             notok with the screen as diagnostic

screen() { tm capture-pane -p -t "$sess" >"$work/screen" 2>/dev/null; }

notok_screen() {
	notok "$1"
	echo "# screen:"
	sed 's/^/#   |/' "$work/screen" 2>/dev/null
}

shows_within() {
	local i
	for i in $(seq 1 $((${2:-10} * 10))); do
		screen
		grep -Eq -- "$1" "$work/screen" && return 0
		sleep 0.1
	done
	return 1
}

expect() {
	if shows_within "$2" "${3:-10}"; then ok "$1"; else notok_screen "$1"; fi
}

shows() {
	screen
	if grep -Eq -- "$2" "$work/screen"; then ok "$1"; else notok_screen "$1"; fi
}

lacks() {
	screen
	if grep -Eq -- "$2" "$work/screen"; then notok_screen "$1"; else ok "$1"; fi
}

keys() {
	case "$1" in c|Enter|s|y) sleep 0.3 ;; esac
	tm send-keys -t "$sess" "$@"
}
