# tests/bench/throughput.gp - throughput.png from the .dat files bench.sh
# writes beside it:  gnuplot -e "dir='out/bench'" tests/bench/throughput.gp
# Left: hog MiB/s against NBD connections (nbd-server, no added latency),
# on 1 and 2 vCPUs, local virtio-blk swap as a line. Right: MiB/s against
# the latency added to every request (nbdkit delay filter), 1 vCPU, conns=1.
if (!exists("dir")) dir = "out/bench"
set terminal pngcairo size 1200,480 font ",10"
set output dir."/throughput.png"
set multiplot layout 1,2 title "netswap: swap throughput of a verifying memory hog (QEMU TCG node)"

# the y range has to hold the local line, which autoscaling ignores
ymax = 0
max(a, b) = a > b ? a : b
do for [f in "patched_conns_1cpu stock_conns_1cpu patched_conns_2cpu stock_conns_2cpu"] {
	stats dir."/".f.".dat" using 2 nooutput
	ymax = max(ymax, STATS_max)
}
stats dir."/local.dat" using 1 nooutput
local_mibs = STATS_max
ymax = max(ymax, local_mibs)

set title "by NBD connections (nbd-server, no added latency)"
set xlabel "NBD connections (conns=)"
set ylabel "MiB/s (written + verified)"
set xrange [0.5:4.5]
set xtics (1, 2, 4)
set yrange [0:ymax * 1.15]
set key bottom right
set grid
plot dir."/patched_conns_1cpu.dat" using 1:2 with linespoints lw 2 pt 7 lc 1 title "patched, 1 vCPU", \
     dir."/stock_conns_1cpu.dat" using 1:2 with linespoints lw 2 pt 5 lc 2 title "stock 6.12, 1 vCPU", \
     dir."/patched_conns_2cpu.dat" using 1:2 with linespoints lw 2 pt 6 lc 1 dt 3 title "patched, 2 vCPUs", \
     dir."/stock_conns_2cpu.dat" using 1:2 with linespoints lw 2 pt 4 lc 2 dt 3 title "stock 6.12, 2 vCPUs", \
     local_mibs with lines lw 2 dt 2 lc 3 title "local virtio-blk swap, 1 vCPU"

set title "by added latency per request (nbdkit delay filter, 1 vCPU, conns=1)"
set xlabel "added delay per read and write (ms)"
set logscale x 2
set xrange [0.5:80]
set xtics ("0" 0.5, "1" 1, "5" 5, "10" 10, "50" 50)
set yrange [0:*]
set key top right
plot dir."/lat_patched.dat" using ($1 > 0 ? $1 : 0.5):2 with linespoints lw 2 pt 7 lc 1 title "patched", \
     dir."/lat_stock.dat" using ($1 > 0 ? $1 : 0.5):2 with linespoints lw 2 pt 5 lc 2 title "stock 6.12"
unset multiplot
