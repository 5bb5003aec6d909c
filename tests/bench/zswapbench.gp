# tests/bench/zswapbench.gp - zswapbench.png from the .dat files
# zswapbench_report.sh writes (a row per zswap mode: index, mode, MiB/s,
# wire bytes per byte swapped, node CPU busy %); the report names the
# non-empty ones, <kernel>_<content>:
#   gnuplot -e "dir='out/zswapbench'; series='ours_mix stock_mix ours_random stock_random'; setup='...'" tests/bench/zswapbench.gp
# Left: the hog's MiB/s. Middle: bytes on the wire per byte swapped. Right:
# the node's CPU. Solid: the compressible mix (hog -c); dashed: random pages.
if (!exists("dir")) dir = "out/zswapbench"
if (!exists("series")) series = ""
if (!exists("setup")) setup = ""
name(f) = (strstrt(f, "ours") ? "netswap (patched 6.12)" : "stock 6.12") . (strstrt(f, "mix") ? ", mix (-c)" : ", random pages")
colour(f) = strstrt(f, "ours") ? 1 : 2
style(f) = strstrt(f, "mix") ? 1 : 2
set terminal pngcairo size 1500,480 font ",10"
set output dir."/zswapbench.png"
set grid
set key below maxrows 2
set xrange [-0.3:2.3]
set xtics ("off" 0, "lz4" 1, "zstd" 2)
set xlabel "netswap.zswap="
set yrange [0:*]
set offsets 0, 0, graph 0.15, 0
set multiplot layout 1,3 title "zswap in front of NBD swap: ".setup
if (words(series) == 0) {
	set label 1 "no cells" at graph 0.5, 0.5 center
	plot [-0.3:2.3] [0:1] -1 notitle  # an empty frame
	unset multiplot
	exit
}
set title "throughput"
set ylabel "MiB/s (written + verified)"
plot for [f in series] dir."/".f.".dat" using 1:3 with linespoints lw 2 pt 7 dt style(f) lc colour(f) title name(f)
set title "bytes on the wire per byte swapped"
set ylabel "tap rx+tx / (swapped out + in)"
plot for [f in series] dir."/".f.".dat" using 1:4 with linespoints lw 2 pt 7 dt style(f) lc colour(f) title name(f)
set title "node CPU"
set ylabel "busy % over the hog's run"
set yrange [0:105]
plot for [f in series] dir."/".f.".dat" using 1:5 with linespoints lw 2 pt 7 dt style(f) lc colour(f) title name(f)
unset multiplot
