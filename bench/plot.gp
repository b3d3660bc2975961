# Fraction of the wire limit reached in the data phase, per baud rate, for
# read_flash and write_flash, espbak and esptool-js at both latencies.
# Called by bench/bench.mjs:
#   gnuplot -e "datafile='F.dat'; outfile='F.png'; sizelabel='1 MB'; chip='esp32'" bench/plot.gp
# Data file columns: baud, then read (espbak 1 ms, esptool-js 1 ms, espbak 16 ms,
# esptool-js 16 ms), then write (same order); "?" = not measured.
set terminal pngcairo size 1400,560 font "sans,11"
set output outfile
set datafile missing "?"
stats datafile using 2 nooutput
n = STATS_records

set multiplot layout 1,2 title sprintf("espbak vs esptool-js, espsim --chip %s --link realistic, %s: fraction of the wire limit (10 bits/byte), data phase", chip, sizelabel)
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xrange [-0.5:n-0.5]
set yrange [0:1.15]
set ytics 0.1
set grid ytics
set key top left horizontal font ",9"
set xlabel "baud"
set ylabel "wire-limit time / measured time"

set title "read\\_flash (raw)"
plot datafile using 2:xtic(1) title "espbak 1 ms" lc rgb "#1f77b4", \
     '' using 3 title "esptool-js 1 ms" lc rgb "#ff7f0e", \
     '' using 4 title "espbak 16 ms" lc rgb "#6baed6", \
     '' using 5 title "esptool-js 16 ms" lc rgb "#fdae6b", \
     0.97 with lines dt 2 lw 2 lc rgb "black" title "target 0.97"

set title "write\\_flash (incompressible)"
plot datafile using 6:xtic(1) title "espbak 1 ms" lc rgb "#1f77b4", \
     '' using 7 title "esptool-js 1 ms" lc rgb "#ff7f0e", \
     '' using 8 title "espbak 16 ms" lc rgb "#6baed6", \
     '' using 9 title "esptool-js 16 ms" lc rgb "#fdae6b", \
     0.95 with lines dt 2 lw 2 lc rgb "black" title "target 0.95 (1 ms)"
unset multiplot
