# tests/faults/faults.gp - faults.png from the .dat files report.sh writes
# (a row per scenario, a column per stack named in mibs and worst, "-" for
# none):
#   gnuplot -e "dir='out/faults/full'; mibs='ours stock'; worst='ours stock users'" tests/faults/faults.gp
# Left: MiB/s of the cells that passed (a missing bar: the cell failed, see
# the table). Right: the worst time one page took, every run that finished.
if (!exists("dir")) dir = "out/faults/full"
if (!exists("mibs")) mibs = ""
if (!exists("worst")) worst = ""
set terminal pngcairo size 1200,500 font ",10"
set output dir."/faults.png"
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set key top right
set multiplot layout 1,2 title "netswap fault matrix: each scenario on each stack (QEMU TCG node, 1 vCPU)"
set title "throughput of the cells that passed (no bar: failed)"
set ylabel "MiB/s (written + verified)"
set yrange [0:*]
if (words(mibs) > 0) {
	plot for [i = 1:words(mibs)] dir."/mibs.dat" using (column(i + 1)):xtic(1) title word(mibs, i)
} else {
	set label 1 "no cell passed" at graph 0.5, 0.5 center
	plot [0:1] [0:1] -1 notitle  # an empty frame
	unset label 1
}
set title "worst fault: the longest one page took"
set ylabel "seconds (log)"
set logscale y
set yrange [0.001:*]
if (words(worst) > 0) {
	plot for [i = 1:words(worst)] dir."/worst.dat" using (column(i + 1) / 1000.0):xtic(1) title word(worst, i)
} else {
	set label 1 "no run finished" at graph 0.5, 0.5 center
	plot [0:1] [0.001:1] -1 notitle
}
unset multiplot
