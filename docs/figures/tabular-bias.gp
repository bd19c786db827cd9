# The bias and spread of the meta-RL estimators against the inner batch size E, on the tabular family
# (experiments/tabular-bias.toml and tabular-bias-loaded.toml); run: gnuplot docs/figures/tabular-bias.gp
$maml_pg << EOD
# E bias mc_error spread
1 0.195101 0 2.05334
2 0.2054 0.00598734 1.18149
3 0.210319 0.0060306 0.878745
5 0.209173 0.00606387 0.621841
10 0.219125 0.00593763 0.403881
20 0.217713 0.00585171 0.272902
50 0.220483 0.00584933 0.16725
EOD
$fomaml_pg << EOD
# E bias mc_error spread
1 0.124822 0 1.98332
2 0.0827647 0.00622939 1.37759
3 0.0735156 0.00620871 1.12841
5 0.0470013 0.00612215 0.882994
10 0.0612447 0.00600539 0.610467
20 0.0530828 0.00579845 0.433693
50 0.0545104 0.00586485 0.271899
EOD
$promp << EOD
# E bias mc_error spread
1 0.12221 7.33933e-11 1.97881
2 0.0861608 0.00622563 1.3731
3 0.0641963 0.00621196 1.1268
5 0.0530093 0.00611449 0.862782
10 0.06304 0.00600378 0.601221
20 0.0641256 0.00579649 0.423823
50 0.0617562 0.00586451 0.266638
EOD
$loaded_dice << EOD
# E bias mc_error spread
1 0.0560959 3.98999e-11 2.46382
2 0.0336199 0.00552351 1.56575
3 0.0266314 0.00572424 1.19925
5 0.026338 0.00587268 0.857831
10 0.00530755 0.00585516 0.556451
20 0.00629709 0.00576191 0.374666
50 0.00521427 0.005844 0.231023
EOD
$maml_pg_dice << EOD
# E bias mc_error spread
1 0 0 3.52898
2 0 0 2.9099
3 0 0 2.74389
5 0 0 2.62781
10 0 0 2.51607
20 0 0 2.62537
50 0 0 2.45806
EOD
set terminal pngcairo size 1240,560 noenhanced font "DejaVu Sans,12"
if (!exists("out")) out = "docs/figures/tabular-bias.png"
set output out
set grid lc rgb "#dddddd"
set logscale xy
set xrange [0.8:65]
set xtics (1, 2, 3, 5, 10, 20, 50)
set xlabel "inner batch E (episodes)"
set multiplot layout 1,2 title "Meta-RL estimators on TabularMdp(states=3,actions=2,horizon=5,mdp=1), one inner step of 0.3"
set title "relative bias |E g - grad F| / |grad F| (exact reference; bars: 2 Monte-Carlo errors)"
set ylabel "relative bias"
set yrange [0.002:3]
set key top right opaque box lc rgb "#bbbbbb"
set label 1 "maml-pg-dice (exact score term): 0 at every E" at graph 0.03, graph 0.05 tc rgb "#555555"
plot $maml_pg using 1:2:(($2-2*$3)>0.002?($2-2*$3):0.002):($2+2*$3) with yerrorbars lc rgb "#d62728" pt 7 notitle, \
     $maml_pg using 1:2 with lines lw 2 lc rgb "#d62728" title "maml-pg", \
     $fomaml_pg using 1:2:(($2-2*$3)>0.002?($2-2*$3):0.002):($2+2*$3) with yerrorbars lc rgb "#ff7f0e" pt 7 notitle, \
     $fomaml_pg using 1:2 with lines lw 2 lc rgb "#ff7f0e" title "fomaml-pg", \
     $promp using 1:2:(($2-2*$3)>0.002?($2-2*$3):0.002):($2+2*$3) with yerrorbars lc rgb "#2ca02c" pt 7 notitle, \
     $promp using 1:2 with lines lw 2 lc rgb "#2ca02c" title "promp (LVC)", \
     $loaded_dice using 1:2:(($2-2*$3)>0.002?($2-2*$3):0.002):($2+2*$3) with yerrorbars lc rgb "#1f77b4" pt 7 notitle, \
     $loaded_dice using 1:2 with lines lw 2 lc rgb "#1f77b4" title "maml-pg-dice, loaded", \
     0.056/x with lines dt 2 lc rgb "#1f77b4" title "0.056 / E (loaded at E = 1, over E)"
set title "spread of one task's estimate, relative to |grad F|"
set ylabel "relative standard deviation"
set yrange [0.1:5]
unset label 1
set key bottom left opaque box lc rgb "#bbbbbb"
plot $maml_pg using 1:4 with linespoints lw 2 pt 7 lc rgb "#d62728" title "maml-pg", \
     $fomaml_pg using 1:4 with linespoints lw 2 pt 7 lc rgb "#ff7f0e" title "fomaml-pg", \
     $promp using 1:4 with linespoints lw 2 pt 7 lc rgb "#2ca02c" title "promp (LVC)", \
     $loaded_dice using 1:4 with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "maml-pg-dice, loaded", \
     $maml_pg_dice using 1:4 with linespoints lw 2 pt 7 lc rgb "#7f7f7f" title "maml-pg-dice (exact score term)"
unset multiplot
set output
