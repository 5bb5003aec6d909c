# tests/bench/serverbench.gp - serverbench.png from the <server>.dat files
# serverbench_report.sh writes (a row per node count: nodes, MiB/s per node
# read + write, read p99 ms, write p99 ms, server CPU % of one core):
#   gnuplot -e "dir='out/serverbench'; servers='nbd-server nbdkit qemu-nbd'; setup='...'" tests/bench/serverbench.gp
# Left: what each node gets. Middle: the slowest 1% of swap-ins (reads,
# solid) and swap-outs (writes, dashed). Right: the server's CPU.
if (!exists("dir")) dir = "out/serverbench"
if (!exists("servers")) servers = ""
if (!exists("setup")) setup = ""
set terminal pngcairo size 1500,480 font ",10"
set output dir."/serverbench.png"
set grid
set key top right
set xlabel "simulated nodes (one export and one connection each)"
set logscale x 2
set xrange [1.5:48]
set xtics (2, 4, 8, 16, 32)
set offsets 0, 0, graph 0.15, 0
set multiplot layout 1,3 title "one NBD server, many swapping nodes (fio nbd engine, loopback): ".setup
if (words(servers) == 0) {
	set label 1 "no cells" at graph 0.5, 0.5 center
	plot [1.5:48] [0:1] -1 notitle  # an empty frame
	unset multiplot
	exit
}
set title "throughput per node"
set ylabel "MiB/s per node (read + write)"
set yrange [0:*]
plot for [i = 1:words(servers)] dir."/".word(servers, i).".dat" using 1:2 with linespoints lw 2 pt 7 lc i title word(servers, i)
set title "p99 completion latency (solid: reads, dashed: writes)"
set ylabel "ms"
plot for [i = 1:words(servers)] dir."/".word(servers, i).".dat" using 1:3 with linespoints lw 2 pt 7 lc i title word(servers, i), \
     for [i = 1:words(servers)] dir."/".word(servers, i).".dat" using 1:4 with linespoints lw 2 pt 6 dt 2 lc i notitle
set title "server CPU"
set ylabel "% of one core (utime + stime)"
plot for [i = 1:words(servers)] dir."/".word(servers, i).".dat" using 1:5 with linespoints lw 2 pt 7 lc i title word(servers, i)
unset multiplot
