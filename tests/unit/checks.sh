# shellcheck shell=bash
# tests/unit/checks.sh - the one-line checks the shell unit tests print:
# set CHECK_NAME (what each line names), source this, call check for each
# condition, and exit $failed at the end.
failed=0
check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then echo "ok   $CHECK_NAME: $what"; else echo "FAIL $CHECK_NAME: $what"; failed=1; fi
}
