# tests/bench/plot.sh - sourced by the benches' report scripts.

# plot GP PNG ASSIGNMENTS: gnuplot runs GP with ASSIGNMENTS (its -e
# string); says where the plot is, or why there is none (the tables and the
# data files stand without it).
plot() {
	local gp=$1 png=$2 dir
	dir=$(dirname "$png")
	if ! command -v gnuplot >/dev/null; then
		echo "plot: gnuplot missing (apt-get install gnuplot-nox); data in $dir/"
	elif gnuplot -e "$3" "$gp"; then
		echo "plot: $png"
	else
		echo "plot: gnuplot failed (data in $dir/)"
	fi
}
