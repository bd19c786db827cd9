#!/usr/bin/env bash
# `make results`: runs the sweeps of experiments/ (continuing any already under way), then
# writes docs/results.md with their tables and docs/figures/*.png with their figures.
#   RESULTS=DIR   where the sweeps live (default results/)
#   FULL=1        also the paper's full grids and the RL sweeps (hours; see each file's header)
set -euo pipefail
pmlab=${1:-build/pmlab}
results=${RESULTS:-results}
figures=docs/figures
doc=docs/results.md
mkdir -p "$results" "$figures"

reduced=(theory-quadratic-zeta theory-quadratic-rate linreg-inner-batch sine-maml-topk paper-fmnist-topk-reduced
         paper-fmnist-topk-gamma05-reduced paper-fmnist-clip-reduced)
full=(paper-fmnist-topk paper-fmnist-clip pointnav-maml-pg lander-horizons)
sweeps=("${reduced[@]}")
[ "${FULL:-0}" = 1 ] && sweeps+=("${full[@]}")

for name in "${sweeps[@]}"; do
  if [ -f "$results/$name/sweep.toml" ]; then
    "$pmlab" sweep "$results/$name" --resume --quiet
  else
    "$pmlab" sweep "experiments/$name.toml" --out "$results/$name" --quiet
  fi
done

# The report of a sweep without its title line, with the ratio against beta = 1.
report() { "$pmlab" report "$results/$1" --versus beta=1 --out "$results/$1/report.md" > /dev/null; tail -n +3 "$results/$1/report.md"; }
plot() { local name=$1 figure=$2; shift 2; "$pmlab" plot "$results/$name" --out "$figures/$figure.png" "$@" > /dev/null; }
done_runs() { [ -f "$results/$1/summary.csv" ] && ! grep -q -e ',unfinished,' -e ',not started,' "$results/$1/summary.csv"; }

# Least-squares slope of log(final_test_loss) on log(bias_absolute), per beta, from summary.csv.
zeta_slopes() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    { b = $col["beta"]; x = log($col["bias-absolute"]); y = log($col["final_test_loss"]);
      n[b]++; sx[b] += x; sy[b] += y; sxx[b] += x * x; sxy[b] += x * y }
    END { for (b in n) printf "| %s | %.3f |\n", b, (n[b] * sxy[b] - sx[b] * sy[b]) / (n[b] * sxx[b] - sx[b] * sx[b]) }' \
    "$results/theory-quadratic-zeta/summary.csv" | sort
}

# The linear rate of each run of the rate sweep: the slope of log(f - f*) per iteration over
# the stretch from 1e-2 to 1e-8 of its start, against 2 gamma mu (f - f* falls like the squared
# distance); mu is in the run's log.
rates() {
  for run in "$results"/theory-quadratic-rate/lr-*; do
    name=$(basename "$run")
    mu=$(sed -n 's/.*, mu = \([0-9.e+-]*\),.*/\1/p' "$results/theory-quadratic-rate/logs/$name.log" | head -1)
    lr=$(sed -n 's/^lr=\(.*\)$/\1/p' "$run/config.toml")
    beta=$(sed -n 's/^beta=\(.*\)$/\1/p' "$run/config.toml")
    awk -F, -v mu="$mu" -v lr="$lr" -v beta="$beta" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
      $col["test_loss"] != "" { f = $col["test_loss"]; k = $col["iteration"];
        if (start == "") start = f;
        if (f < 1e-2 * start && f > 1e-8 * start) { n++; sx += k; sy += log(f); sxx += k * k; sxy += k * log(f) } }
      END { slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
            printf "| %s | %s | %.4f | %.5f | %.3f |\n", beta, lr, lr * mu, -slope, -slope / (2 * lr * mu) }' "$run/metrics.csv"
  done | sort -t'|' -k2,2n -k3,3n
}

# The figures.
plot theory-quadratic-zeta theory-zeta --metric test_loss --log-y --panel beta --title "Quadratic with absolute bias zeta: f - f*"
plot theory-quadratic-rate theory-rate --metric test_loss --log-y --panel beta --title "Quadratic, no bias: f - f* for each step size"
plot linreg-inner-batch linreg-bias --metric bias --panel beta --title "MAML on linreg: relative bias of the meta-gradient, by inner batch"
plot linreg-inner-batch linreg-loss --metric test_loss --panel beta --title "MAML on linreg: held-out query loss"
plot sine-maml-topk sine-loss --metric test_loss --log-y --panel compress --title "Sine regression: held-out MSE after one step"
declare -A step=([paper-fmnist-topk-reduced]=", gamma = 0.7" [paper-fmnist-topk-gamma05-reduced]=", gamma = 0.5"
                  [paper-fmnist-clip-reduced]=", gamma = 0.7" [paper-fmnist-clip]=", gamma = 0.7")
for name in paper-fmnist-topk-reduced paper-fmnist-topk-gamma05-reduced paper-fmnist-topk; do
  [ -f "$results/$name/summary.csv" ] || continue
  plot $name $name-loss --metric train_loss --log-y --panel compress --title "Fashion-MNIST, Top-K${step[$name]:-}: train loss"
  plot $name $name-accuracy --metric test_accuracy --panel compress --title "Fashion-MNIST, Top-K${step[$name]:-}: test accuracy"
done
for name in paper-fmnist-clip-reduced paper-fmnist-clip; do
  [ -f "$results/$name/summary.csv" ] || continue
  plot $name $name-loss --metric train_loss --log-y --panel clip --title "Fashion-MNIST, clipping${step[$name]}: train loss"
done
[ -f "$results/pointnav-maml-pg/summary.csv" ] &&
  plot pointnav-maml-pg pointnav --metric test_loss --panel algo --title "PointNav: minus the return after one adaptation step"
[ -f "$results/lander-horizons/summary.csv" ] &&
  plot lander-horizons lander --metric test_loss --panel horizon --title "LunarLander: minus the evaluation return"

# A sweep's section: its command, its report and its figures.
section() {
  local name=$1
  echo
  echo '```'
  echo "build/pmlab sweep experiments/$name.toml --out results/$name"
  echo '```'
  echo
  if done_runs "$name"; then report "$name"; else echo "(not run: $name; make results FULL=1)"; fi
}
image() { [ -f "$figures/$1.png" ] && printf '\n![%s](figures/%s.png)\n' "$2" "$1" || true; }

{
  cat <<'TEXT'
# Results

Written by `make results` (scripts/results.sh), which runs the sweeps of experiments/ and
then this page from their reports (`pmlab report --versus beta=1`) and figures (`pmlab
plot`): every table and figure below comes from the runs, and running it again regenerates
them. Interrupted, it continues where it stopped. `make results FULL=1` adds the paper's full
grids and the RL sweeps, which take hours. Figures show the mean over seeds with a band of ± one
standard deviation; a cross marks where a run diverged. In the ratio tables, a number above 1
means the setting reaches the level that many times sooner than β = 1 (biased GD) with the rest
of its setting the same.
TEXT
  cat docs/results-findings.md
  echo
  echo "## The theory check: a quadratic with controlled bias"
  cat <<'TEXT'

`pmlab train --problem quadratic` (d = 20, 4 workers, L = 11.37, μ = 0.789) with
`--bias-absolute ζ`: each worker adds ζ e, e a fixed random unit vector. The method's fixed
point is then x* − H⁻¹ζe, at f − f* = ζ² eᵀH⁻¹e / 2: it grows like ζ², whatever β.
TEXT
  section theory-quadratic-zeta
  image theory-zeta "f - f* against iteration for each zeta, beta = 0.1 and 1"
  printf '\nMeasured slope of log(f − f*) against log ζ, final iterates (2 predicted):\n\n| β | slope |\n|---|---|\n'
  zeta_slopes
  cat <<'TEXT'

The rate: f − f* falls like the squared distance to the optimum, so the μ-PL analysis's
1 − γμ per iteration for the distance is a slope of −2γμ for log(f − f*). The table divides the
measured slope by 2γμ. For β = 1 the ratio is within a few percent of 1: plain gradient
descent's slowest mode contracts by exactly 1 − γμ. For β = 0.1 it is near 1 when γμ ≪ β and
grows as γμ approaches β, where momentum's slow root is faster than 1 − γμ (heavy ball's
acceleration); the analysis's bound claims only the first order.
`tests/supervised/quadratic_theory_test.cpp` asserts the limit (within 10⁻³), the
slope (2 within 0.01) and the rate against the iteration's exact spectral radius (within 1%).
TEXT
  section theory-quadratic-rate
  image theory-rate "f - f* against iteration for each step size"
  printf '\n| β | γ | γμ | measured −log rate of f − f* | ÷ 2γμ |\n|---|---|---|---|---|\n'
  rates
  echo
  echo "## The paper's experiment: Fashion-MNIST under Top-K and clipping"
  for name in paper-fmnist-topk-reduced paper-fmnist-topk-gamma05-reduced paper-fmnist-topk; do
    echo
    echo "### $name"
    section "$name"
    image "$name-loss" "train loss, one panel per K"
    image "$name-accuracy" "test accuracy, one panel per K"
  done
  for name in paper-fmnist-clip-reduced paper-fmnist-clip; do
    echo
    echo "### $name"
    section "$name"
    image "$name-loss" "train loss, one panel per tau"
  done
  echo
  echo "## The testbed's own bias sources"
  echo
  echo "### MAML against first-order MAML on sine, with and without Top-5%"
  section sine-maml-topk
  image sine-loss "held-out MSE after one step"
  echo
  echo "### The stochastic-composite estimator's inner batch on linreg"
  section linreg-inner-batch
  image linreg-bias "relative bias against the exact meta-gradient"
  image linreg-loss "held-out query loss"
  echo
  echo "### MAML policy gradients on PointNav, biased against corrected"
  section pointnav-maml-pg
  image pointnav "minus the return after one adaptation step"
  echo
  echo "### Truncated policy gradients on LunarLander across horizons"
  section lander-horizons
  image lander "minus the evaluation return"
} > "$doc.partial"
mv "$doc.partial" "$doc"
echo "wrote $doc and $figures/"
