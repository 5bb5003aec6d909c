# tests/bench/throughput.gp - throughput.png from the .dat files bench.sh
# writes beside it (pairs "x MiB/s"); bench.sh names the non-empty ones:
#   gnuplot -e "dir='out/bench'; conns='conns_patched conns_stock';
#               local='local'; lat='lat_patched lat_stock'" tests/bench/throughput.gp
# Left: hog MiB/s against NBD connections (nbd-server, no added latency),
# local virtio-blk swap as a flat line. Right: MiB/s against the latency
# added to every request (nbdkit delay filter).
if (!exists("dir")) dir = "out/bench"
if (!exists("conns")) conns = ""
if (!exists("local")) local = ""
if (!exists("lat")) lat = ""
name(f) = f eq "conns_patched" || f eq "lat_patched" ? "netswap (patched 6.12)" : \
	f eq "conns_stock" || f eq "lat_stock" ? "stock 6.12" : f
set terminal pngcairo size 1200,480 font ",10"
set output dir."/throughput.png"
set multiplot layout 1,2 title "netswap: swap throughput of a verifying memory hog (QEMU TCG node)"
set grid
set ylabel "MiB/s (written + verified)"
set yrange [0:*]
set offsets 0, 0, graph 0.15, 0

set title "by NBD connections (nbd-server, no added latency)"
set xlabel "NBD connections (conns=)"
set xrange [0.5:4.5]
set xtics (1, 2, 4)
set key bottom right
# gnuplot runs "for [f in \"\"]" once with an empty f, so an empty list
# must leave its clause out of the plot command altogether.
p = words(conns) > 0 ? \
	"for [f in conns] dir.'/'.f.'.dat' using 1:2 with linespoints lw 2 pt 7 title name(f)" : ""
if (words(local) > 0) p = p . (p eq "" ? "" : ", ") . \
	"for [f in local] dir.'/'.f.'.dat' using 1:2 with lines lw 2 dt 2 title 'local virtio-blk swap'"
if (p ne "") {
	eval "plot " . p
} else {
	set label 1 "no throughput runs" at graph 0.5, 0.5 center
	plot [] [0:1] -1 notitle  # an empty frame: 1/0 is an error
	unset label 1
}

set title "by added latency per request (nbdkit delay filter, 1 vCPU, conns=1)"
set xlabel "added delay per read and write (ms)"
set logscale x 2
set xrange [0.5:80]
set xtics ("0" 0.5, "1" 1, "5" 5, "10" 10, "50" 50)
set key top right
if (words(lat) > 0) {
	plot for [f in lat] dir."/".f.".dat" using ($1 > 0 ? $1 : 0.5):2 with linespoints lw 2 pt 7 title name(f)
} else {
	set label 1 "no latency runs" at graph 0.5, 0.5 center
	plot [] [0:1] -1 notitle  # an empty frame: 1/0 is an error
}
unset multiplot
