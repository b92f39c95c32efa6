"""What averaging finished cross-validation runs would score: each run's held-out macro-F1 and that of the average of
their out-of-fold probabilities, per attribute and per fold (the runs must share the folds). The geometric mean of
the probabilities is what averaging logits gives (`top_members`, `top_average`); the arithmetic mean is beside it.
Also the share of labelled photos, per attribute, on which every run answers the same class (how far apart the runs'
models are, whatever their scores).

Usage: python benchmarks/oof_average.py ../shared/flixstock-dev runs/cv/A runs/cv/B [...]"""
import argparse
from pathlib import Path
import numpy as np, pandas as pd
from sklearn.metrics import f1_score
from fashion_attrs.data import read_dataset
from fashion_attrs.model import OutputLayout
from fashion_attrs.audit import labelled_probs

def fold_scores(oof:pd.DataFrame, table:pd.DataFrame, layout:OutputLayout)->pd.DataFrame:
    "Held-out macro-F1 of the argmax, one row per fold and attribute."
    return pd.DataFrame([dict(fold=int(k), attribute=a, f1=f1_score(y[f == k], p[f == k].argmax(1), average='macro', zero_division=0))
                         for a,p,y,f in labelled_probs(oof, table, layout) for k in np.unique(f)])

def read_oofs(runs:list)->list[pd.DataFrame]:
    "Each run's out-of-fold probabilities in filename order; an error if the runs do not share photos and folds."
    oofs = [pd.read_csv(Path(r)/'oof_probs.csv').sort_values('filename', ignore_index=True) for r in runs]
    if any(not (o.filename.equals(oofs[0].filename) and o.fold.equals(oofs[0].fold)) for o in oofs): raise SystemExit("the runs do not share photos and folds")
    return oofs

def geometric_mean(oofs:list[pd.DataFrame], cols:list[str])->pd.DataFrame:
    "The runs' probabilities averaged as averaging their logits does: the geometric mean of `cols`."
    geo = oofs[0].copy()
    geo[cols] = np.exp(np.mean([np.log(np.clip(o[cols].to_numpy(), 1e-12, None)) for o in oofs], 0))
    return geo

def describe(name:str, s:pd.DataFrame)->str:
    per_attr = s.groupby('attribute', sort=False).f1.mean()
    m = s.groupby('fold').f1.mean()
    return (f"{name:<28} " + ' '.join(f"{a} {v:.3f}" for a,v in per_attr.items()) +
            f"   mean {m.mean():.3f} ± {m.std():.3f}   folds {' '.join(f'{v:.3f}' for v in m)}")

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('runs', nargs='+')
    a = p.parse_args()
    table,_ = read_dataset(a.data)
    oofs = read_oofs(a.runs)
    layout = OutputLayout(specific=any(c.startswith('specific:') for c in oofs[0].columns))
    cols = layout.vocab
    scores = [fold_scores(o, table, layout) for o in oofs]
    for r,s in zip(a.runs, scores): print(describe(Path(r).name, s))
    answers = [{att: p.argmax(1) for att,p,_,_ in labelled_probs(o, table, layout)} for o in oofs]
    same = {att: np.all([x[att] == answers[0][att] for x in answers], 0).mean() for att in answers[0]}
    print(f"{'the same answer in every run':<28} " + ' '.join(f"{att} {v:.3f}" for att,v in same.items()))
    geo,arith = geometric_mean(oofs, cols),oofs[0].copy()
    arith[cols] = np.mean([o[cols].to_numpy() for o in oofs], 0)
    singles = pd.concat([s.groupby('fold').f1.mean() for s in scores], axis=1).mean(axis=1)
    for name,o in [('geometric mean (logits)', geo), ('arithmetic mean', arith)]:
        s = fold_scores(o, table, layout); print(describe(name, s))
        d = s.groupby('fold').f1.mean() - singles
        print(f"{'':<28} against the runs' mean per fold {d.mean():+.3f} ± {d.std():.3f}, higher on {(d > 0).sum()} of {len(d)}")

if __name__ == '__main__': main()
