"""Paired comparison of the specific output's agreement with held-out titles between two groups of CV runs over the
same folds: per fold, each group's mean over its runs of `audit/specific_title_agreement.csv` (written by
`fashion-attrs-audit DATA --cv RUN --titles`, or that file saved as `results/cv_NAME_DATE_specific_title_agreement.csv`),
then the differences, as mean ± sd over the folds and the number of folds where the first group agrees more. A gain
counts when its mean exceeds the sd (the project's rule). Folders whose folds were split with different `split_seed`s
are refused, as `paired_seeds.py` refuses them (saved files do not say theirs).

Usage: python benchmarks/title_agreement_paired.py NEW_A[,NEW_B...] REF_A[,REF_B...]"""
import sys
from pathlib import Path
import pandas as pd
from paired_seeds import check_same_split

def agreement(runs:str)->pd.DataFrame:
    "Folds x attributes: the specific output's title agreement of the comma-separated `runs`, averaged over them."
    tables = []
    for r in runs.split(','):
        f = Path(r)/'audit'/'specific_title_agreement.csv' if Path(r).is_dir() else Path(r)
        if not f.exists(): raise SystemExit(f"{f}: missing" + (f"; run fashion-attrs-audit DATA --cv {r} --titles first" if Path(r).is_dir() else ''))
        tables.append(pd.read_csv(f).pivot(index='fold', columns='attribute', values='output_agree'))
    if any(list(t.index) != list(tables[0].index) for t in tables): raise SystemExit(f"{runs}: the runs cover different folds")
    return sum(tables) / len(tables)

def main():
    if len(sys.argv) != 3: raise SystemExit(__doc__)
    check_same_split(sys.argv[1:])
    new,ref = agreement(sys.argv[1]),agreement(sys.argv[2])
    d = new - ref
    for a in d.columns:
        print(f"{a:<14} {new[a].mean():.3f} against {ref[a].mean():.3f}: {d[a].mean():+.3f} ± {d[a].std():.3f} ({int((d[a] > 0).sum())}/{len(d)} folds higher); "
              f"per fold {' '.join(f'{v:+.3f}' for v in d[a])}; clears the spread: {d[a].mean() > d[a].std()}")

if __name__ == '__main__': main()
