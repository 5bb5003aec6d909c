#!/bin/bash
# tests/unit/run.sh TEST... - runs the host unit tests (built with ASan and
# UBSan) and adds up their "N passed, N failed" lines.
passed=0 failed=0
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	line=$(echo "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n1)
	p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	if [ -z "$line" ] || [ $rc != 0 ]; then
		echo "$out" | tail -n 30
		echo "FAIL unit $(basename "$t") (exit $rc)"
		failed=$((failed + ${f:-1} + 0))
		[ "${f:-0}" = 0 ] && failed=$((failed + 1))
	else
		echo "ok   unit $(basename "$t"): $line"
	fi
	passed=$((passed + ${p:-0}))
done
echo "unit: $passed passed, $failed failed"
[ $failed = 0 ]
