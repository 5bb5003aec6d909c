# tests/bench/throughput.gp - throughput.png from the .dat files bench.sh
# writes beside it (pairs "x MiB/s"); bench.sh names the non-empty ones:
#   gnuplot -e "dir='out/bench'; conns='conns_patched conns_stock srv_patched srv_stock';
#               local='local'; lat='lat_patched lat_stock'" tests/bench/throughput.gp
# Left: hog MiB/s against NBD connections (nbd-server, no added latency;
# dashed, nbdkit with 16 threads per connection behind 50 ms), local
# virtio-blk swap as a flat line. Right: MiB/s against the latency
# added to every request (nbdkit delay filter).
if (!exists("dir")) dir = "out/bench"
if (!exists("conns")) conns = ""
if (!exists("local")) local = ""
if (!exists("lat")) lat = ""
name(f) = f eq "conns_patched" || f eq "lat_patched" ? "netswap (patched 6.12)" : \
	f eq "conns_stock" || f eq "lat_stock" ? "stock 6.12" : \
	f eq "srv_patched" ? "netswap, server 16 threads/conn, +50 ms" : \
	f eq "srv_stock" ? "stock, server 16 threads/conn, +50 ms" : f
# one colour per kernel; the srv series (a server bounding each connection) dashed
style(f) = strstrt(f, "srv_") ? 2 : 1
colour(f) = strstrt(f, "patched") ? 1 : 2
set terminal pngcairo size 1200,540 font ",10"
set output dir."/throughput.png"
set multiplot layout 1,2 title "netswap: swap throughput of a verifying memory hog (QEMU TCG node)"
set grid
set ylabel "MiB/s (written + verified)"
set yrange [0:*]
set offsets 0, 0, graph 0.15, 0

set title "by NBD connections (solid: nbd-server, no added latency)"
set xlabel "NBD connections (conns=)"
set logscale x 2
set xrange [0.8:20]
set xtics (1, 2, 4, 8, 16)
set key below maxrows 3
# gnuplot runs "for [f in \"\"]" once with an empty f, so an empty list
# must leave its clause out of the plot command altogether.
p = words(conns) > 0 ? \
	"for [f in conns] dir.'/'.f.'.dat' using 1:2 with linespoints lw 2 pt 7 dt style(f) lc colour(f) title name(f)" : ""
if (words(local) > 0) p = p . (p eq "" ? "" : ", ") . \
	"for [f in local] dir.'/'.f.'.dat' using 1:2 with lines lw 2 dt 3 title 'local virtio-blk swap'"
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
set key inside top right vertical
if (words(lat) > 0) {
	plot for [f in lat] dir."/".f.".dat" using ($1 > 0 ? $1 : 0.5):2 with linespoints lw 2 pt 7 lc colour(f) title name(f)
} else {
	set label 1 "no latency runs" at graph 0.5, 0.5 center
	plot [] [0:1] -1 notitle  # an empty frame: 1/0 is an error
}
unset multiplot
