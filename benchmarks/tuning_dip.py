"""How far the top stages' tuning falls before it recovers, per fold of `fashion-attrs-cv` runs: from each fold's
history, the held-out mean macro-F1 of the regression head before the tuning, the lowest over every member's tuning
epochs (the dip), and the last tuning epoch's of each member; then the model's own (the `members` row, else the last).
The training losses of recipes with different loss functions are not comparable; these held-out scores are.

Usage: python benchmarks/tuning_dip.py RUN [RUN...]"""
import json, sys
from pathlib import Path
import pandas as pd

def fold_dips(run:str)->pd.DataFrame:
    "One row per finished fold of `run`: head, dip, each member's last tuning epoch, the model's score (held-out mean macro-F1)."
    rows = []
    for f in sorted(Path(run).glob('fold_*.json')):
        h = pd.DataFrame(json.loads(f.read_text())['history'])
        tuning = h[h.phase.str.startswith('top stages')]
        if tuning.empty: raise SystemExit(f"{f}: no top-stage tuning in its history")
        last = tuning.groupby('phase', sort=False).mean_f1.last()
        rows.append(dict(fold=int(f.stem.split('_')[1]), head=h[h.phase == 'head'].mean_f1.iloc[0], dip=tuning.mean_f1.min(),
                         members_last=' '.join(f'{v:.3f}' for v in last), model=h.mean_f1.iloc[-1]))
    if not rows: raise SystemExit(f"{run}: no finished fold")
    return pd.DataFrame(rows)

def main():
    if len(sys.argv) < 2: raise SystemExit(__doc__)
    for run in sys.argv[1:]:
        d = fold_dips(run)
        print(f"{run}: dip {d.dip.mean():.3f} (folds {' '.join(f'{v:.3f}' for v in d.dip)}), head {d['head'].mean():.3f}, model {d.model.mean():.3f}")
        print('  ' + d.to_string(index=False, float_format='%.3f').replace('\n', '\n  '))

if __name__ == '__main__': main()
