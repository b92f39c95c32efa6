"""Paired comparison of two recipes over the same folds, each averaged over its seeds: per fold, the mean over a
recipe's seed runs of the held-out macro-F1 (per attribute and the mean over attributes), then the differences
between the two recipes, as mean ± sd over the folds and the number of folds where the first is higher. A gain
counts when its mean exceeds the sd (the project's rule for changing a default).

Runs are `fashion-attrs-cv` folders or saved `fold_scores.csv` files (as `cv_table.py` reads them); folders whose
folds were split with different `split_seed`s are refused (saved files do not say theirs).

With `--partial`, runs stopped before their last fold are compared on the folds every run finished, and the output
says so: a figure to report, never a decision (the rule needs all 5 folds).

Usage: python benchmarks/paired_seeds.py [--partial] NEW_SEED_A[,NEW_SEED_B...] REF_SEED_A[,REF_SEED_B...] [...more REF groups]"""
import json, sys
from pathlib import Path
import pandas as pd
sys.path.insert(0, 'benchmarks')
from cv_table import cv_run_scores, ATTRS

def seed_mean(runs:str, folds:list[int]|None=None)->pd.DataFrame:
    "Folds x attributes: the macro-F1 of the comma-separated `runs`, averaged over them; an error if they do not cover the same 5 folds (or, given `folds`, each of those)."
    tables = [cv_run_scores(r).pivot(index='fold', columns='attribute', values='macro_f1')[ATTRS] for r in runs.split(',')]
    if folds is None and (any(list(t.index) != list(tables[0].index) for t in tables) or len(tables[0]) != 5):
        raise SystemExit(f"{runs}: every run needs the same 5 finished folds, got {[list(t.index) for t in tables]}")
    if folds is not None and not all(set(folds) <= set(t.index) for t in tables):
        raise SystemExit(f"{runs}: every run needs folds {folds}, got {[list(t.index) for t in tables]}")
    return sum(t if folds is None else t.loc[folds] for t in tables) / len(tables)

def finished_folds(runs:str)->list[int]:
    "The folds every one of the comma-separated `runs` finished."
    return sorted(set.intersection(*[set(cv_run_scores(r).fold) for r in runs.split(',')]))

def split_seeds(groups:list[str])->dict:
    "The `split_seed` of every finished fold of each `fashion-attrs-cv` folder among the comma-separated `groups` (saved CSV files carry none)."
    return {f"{r}/{f.name}": json.loads(f.read_text())['config'].get('split_seed')
            for g in groups for r in g.split(',') if Path(r).is_dir() for f in sorted(Path(r).glob('fold_*.json'))}

def check_same_split(groups:list[str]):
    "Stop, naming one fold file for each `split_seed`, if the folders among the comma-separated `groups` were not split alike (their folds then differ)."
    seeds = split_seeds(groups)
    if len(set(seeds.values())) > 1:   # one file per split_seed named
        raise SystemExit("the runs were not split alike, so their folds differ: " + ', '.join(f"split_seed {v} in {next(f for f,w in seeds.items() if w == v)}" for v in sorted(set(seeds.values()))))

def describe(name:str, d:pd.DataFrame)->str:
    return f"{name}\n  " + '  '.join(f"{a} {d[a].mean():+.3f} ± {d[a].std():.3f} ({int((d[a] > 0).sum())}/{len(d)})" for a in ATTRS) + \
           f"\n  mean per fold {' '.join(f'{v:+.3f}' for v in d['mean'])}; clears the spread: {d['mean'].mean() > d['mean'].std()}"

def main():
    partial = '--partial' in sys.argv[1:]
    args = [a for a in sys.argv[1:] if a != '--partial']
    if len(args) < 2: raise SystemExit(__doc__)
    check_same_split(args)
    folds = finished_folds(args[0]) if partial else None
    if partial: print(f"partial: folds {folds} only, so not a decision")
    new = seed_mean(args[0], folds)
    print(f"{args[0]}\n  " + '  '.join(f"{a} {new[a].mean():.3f} ± {new[a].std():.3f}" for a in ATTRS) + f"\n  folds {' '.join(f'{v:.3f}' for v in new['mean'])}")
    for ref in args[1:]: print(describe(f"minus {ref}", new - seed_mean(ref, folds)))

if __name__ == '__main__': main()
