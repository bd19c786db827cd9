# Written by pmlab plot; run again with: gnuplot "paper-fmnist-topk-gamma05-reduced-accuracy.gp"
$P0C0 << EOD
# x mean low high runs
10 0.5792 0.5792 0.5792 1
20 0.6815 0.6815 0.6815 1
30 0.7215 0.7215 0.7215 1
40 0.7587 0.7587 0.7587 1
50 0.7753 0.7753 0.7753 1
60 0.7927 0.7927 0.7927 1
70 0.8032 0.8032 0.8032 1
80 0.808 0.808 0.808 1
90 0.8146 0.8146 0.8146 1
100 0.8188 0.8188 0.8188 1
EOD
$P0C1 << EOD
# x mean low high runs
10 0.2083 0.2083 0.2083 1
20 0.3268 0.3268 0.3268 1
30 0.5004 0.5004 0.5004 1
40 0.2866 0.2866 0.2866 1
50 0.3828 0.3828 0.3828 1
60 0.3346 0.3346 0.3346 1
70 0.2753 0.2753 0.2753 1
80 0.5426 0.5426 0.5426 1
90 0.5537 0.5537 0.5537 1
100 0.612 0.612 0.612 1
EOD
$P0E << EOD
EOD
$P1C0 << EOD
# x mean low high runs
10 0.6748 0.6748 0.6748 1
20 0.7199 0.7199 0.7199 1
30 0.7561 0.7561 0.7561 1
40 0.7879 0.7879 0.7879 1
50 0.8035 0.8035 0.8035 1
60 0.8127 0.8127 0.8127 1
70 0.819 0.819 0.819 1
80 0.8253 0.8253 0.8253 1
90 0.8279 0.8279 0.8279 1
100 0.8322 0.8322 0.8322 1
EOD
$P1C1 << EOD
# x mean low high runs
10 0.3135 0.3135 0.3135 1
20 0.4402 0.4402 0.4402 1
30 0.4046 0.4046 0.4046 1
40 0.3947 0.3947 0.3947 1
50 0.4439 0.4439 0.4439 1
60 0.6145 0.6145 0.6145 1
70 0.6416 0.6416 0.6416 1
80 0.7388 0.7388 0.7388 1
90 0.7539 0.7539 0.7539 1
100 0.7101 0.7101 0.7101 1
EOD
$P1E << EOD
EOD
set terminal pngcairo size 1240,560 noenhanced font "DejaVu Sans,12"
if (!exists("out")) out = "docs/figures/paper-fmnist-topk-gamma05-reduced-accuracy.png"
set output out
set grid lc rgb "#dddddd"
set key top right opaque box lc rgb "#bbbbbb"
set xlabel "iteration"
set ylabel "test accuracy"
set multiplot layout 1,2 title "Fashion-MNIST, Top-K, gamma = 0.5: test accuracy"
set title "compress=topk:0.02"
plot $P0C0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "beta=0.1", \
     $P0C1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "beta=1", \
     1/0 notitle
set title "compress=topk:0.1"
plot $P1C0 using 1:2 with lines lw 2 lc rgb "#1f77b4" title "beta=0.1", \
     $P1C1 using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "beta=1", \
     1/0 notitle
unset multiplot
set output
