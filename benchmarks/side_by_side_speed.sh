#!/usr/bin/env bash
# End-to-end prediction time of two models as a user runs them (fashion-attrs-predict in its own process, the
# default OpenVINO engine; the faster of two runs), beside the naive loop of fastai's docs (load_learner, then
# learn.predict per photo) for each, on the same PHOTOS folder. Prints one line per run: model, path, seconds.
# Usage: bash benchmarks/side_by_side_speed.sh PHOTOS MODEL_A.pkl MODEL_B.pkl
set -euo pipefail
photos=$1; shift
naive='import sys, warnings; warnings.simplefilter("ignore")
from pathlib import Path
from fastai.vision.all import load_learner
learn = load_learner(sys.argv[1])
with learn.no_bar(): preds = [learn.predict(p)[0] for p in sorted(Path(sys.argv[2]).iterdir())]
print(len(preds))'
out=$(mktemp -d)
for m in "$@"; do
  for run in 1 2; do
    s=$(date +%s.%N); fashion-attrs-predict "$photos" --model "$m" --out "$out/Output.csv" >/dev/null 2>&1; e=$(date +%s.%N)
    echo "$m predict run $run $(echo "$e - $s" | bc) s, load $(cut -d' ' -f1 /proc/loadavg)"
  done
  s=$(date +%s.%N); python -c "$naive" "$m" "$photos" >/dev/null 2>&1; e=$(date +%s.%N)
  echo "$m naive $(echo "$e - $s" | bc) s, load $(cut -d' ' -f1 /proc/loadavg)"
done
echo "photos: $(ls "$photos" | wc -l)"
