#!/bin/bash
# tests/fuzz/run.sh DIR SECONDS - builds every tests/fuzz/fuzz_*.c with
# libFuzzer, ASan and UBSan, and runs each for SECONDS on its seed corpus
# (tests/fuzz/corpus/<name>; new inputs go to DIR, not into the repo).
# A crash, leak or timeout fails the run and leaves the input in DIR.
set -uo pipefail
dir=$1 secs=$2
pure="init/fmt.c init/addr.c init/msgbuf.c init/cmdline.c init/cmdline_nbd.c init/cmdline_ip.c init/template.c init/dhcp.c init/ipudp.c init/nbd_proto.c"
mkdir -p "$dir"
passed=0 failed=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	bin=$dir/fuzz_$name
	if ! clang -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Iinit -o "$bin" "$src" $pure; then
		echo "FAIL fuzz $name: does not build"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$dir/corpus-$name"
	seeds=tests/fuzz/corpus/$name
	[ -d "$seeds" ] || seeds=
	if (cd "$dir" && "./fuzz_$name" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 \
		-print_final_stats=0 "corpus-$name" ${seeds:+"$OLDPWD/$seeds"} >"fuzz_$name.log" 2>&1); then
		echo "ok   fuzz $name: $(grep -o 'Done [0-9]* runs' "$dir/fuzz_$name.log" | tail -n1) in ${secs} s"
		passed=$((passed + 1))
	else
		tail -n 30 "$dir/fuzz_$name.log"
		echo "FAIL fuzz $name: see $dir/fuzz_$name.log and the crash-* input in $dir"
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed = 0 ]
