# bench/soak's plot: RSS, open fds and the 10-second p99 over time, one column per soak run,
# from the samples CSVs of switchboard-bench --mode soak (t_s,kind,p99_us,deliveries,
# connections, then rss_N,fds_N per sampled process). Called as:
#   gnuplot -e "csvs='a.csv b.csv'; titles='single cluster'; \
#               labels1='switchboard'; labels2='node1 node2 node3 redis'; out='soak.png'" \
#           bench/soak.gp
# Only the periodic samples are drawn (kind "sample", through grep), not the two quiet readings.
set datafile separator ','
runs = words(csvs)
set terminal pngcairo size (560 * runs + 120),900 font ',10'
set output out
set grid
set key bottom right
set xlabel 'minutes'
set multiplot layout 3,runs columnsfirst title 'switchboard-bench --mode soak'
do for [k=1:runs] {
  csv = '< grep ,sample, '.word(csvs, k)
  labels = value(sprintf('labels%d', k))
  n = words(labels)
  set title word(titles, k)
  unset logscale y
  set ylabel 'RSS (MiB)'
  set yrange [0:*]
  plot for [i=0:n-1] csv using ($1/60):(column(6+2*i)/1048576) \
    with linespoints pt 7 ps 0.4 title word(labels, i+1)
  set ylabel 'open fds'
  plot for [i=0:n-1] csv using ($1/60):(column(7+2*i)) \
    with linespoints pt 7 ps 0.4 title word(labels, i+1)
  set ylabel 'p99 one-way (ms), per 10 s'
  set yrange [*:*]
  set logscale y
  plot csv using ($1/60):($3/1000) \
    with linespoints pt 7 ps 0.4 title 'p99'
}
unset multiplot
