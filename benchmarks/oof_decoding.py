"""Decision rules on the out-of-fold probabilities of a `fashion-attrs-cv` run, each scored per held-out fold:
- argmax: the class with the highest probability (what predict does);
- offsets: per-class offsets on the log-probabilities fitted for macro-F1 on the *other* folds (`audit.fit_offsets`);
- one specific: FlixStock's labels carry at most one specific (not catch-all) class per photo; keep the argmax's
  specific class only for the attribute where it is most likely against the catch-all, answer the catch-all for the
  others (no fitted parameter);
- one specific + offsets: both.
Reads the finished folds' `fold_<k>.probs.csv`, so it runs on a CV run still in progress too.

Usage: python benchmarks/oof_decoding.py ../shared/flixstock-dev --cv runs/cv/NAME [--out FILE.json]"""
import argparse, json
from pathlib import Path
import numpy as np, pandas as pd
from sklearn.metrics import f1_score
from fashion_attrs.data import read_dataset
from fashion_attrs.model import OutputLayout
from fashion_attrs.audit import attribute_probs, fit_offsets, apply_offsets

def one_specific(logp:dict, last:dict)->dict:
    "Per attribute, the argmax codes after keeping at most one specific answer per photo: the one with the largest log-odds over its catch-all."
    names = list(logp)
    codes = {a: logp[a].argmax(1) for a in names}
    margin = np.stack([np.where(codes[a] != last[a], logp[a].max(1) - logp[a][:, last[a]], -np.inf) for a in names], 1)
    keep = margin.argmax(1)
    return {a: np.where((codes[a] != last[a]) & (keep != j), last[a], codes[a]) for j,a in enumerate(names)}

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--cv', required=True); p.add_argument('--out')
    a = p.parse_args()
    layout = OutputLayout(); names = layout.schema.names
    table,_ = read_dataset(a.data)
    oof = pd.concat([pd.read_csv(f) for f in sorted(Path(a.cv).glob('fold_*.probs.csv'))], ignore_index=True)
    df = table[['filename'] + names].merge(oof, on='filename', validate='one_to_one')
    folds = sorted(df.fold.unique())
    last = {n: layout.schema[n].n_classes - 1 for n in names}
    probs = {n: attribute_probs(df, layout, n) for n in names}
    y = {n: df[n].to_numpy(dtype=float, na_value=np.nan) for n in names}
    recs = []
    for k in folds:
        te,tr = (df.fold == k).to_numpy(),(df.fold != k).to_numpy()
        offs = {}
        for n in names:
            known = ~np.isnan(y[n])
            offs[n] = fit_offsets(probs[n][tr & known], y[n][tr & known].astype(int)) if len(folds) > 1 else np.zeros(last[n] + 1)
        logp = {n: np.log(np.clip(probs[n][te], 1e-12, None)) for n in names}
        rules = {'argmax': {n: logp[n].argmax(1) for n in names},
                 'offsets': {n: apply_offsets(probs[n][te], offs[n]) for n in names},
                 'one specific': one_specific(logp, last),
                 'one specific + offsets': one_specific({n: logp[n] + offs[n] for n in names}, last)}
        for rule,codes in rules.items():
            for n in names:
                known = ~np.isnan(y[n][te])
                recs.append(dict(fold=int(k), rule=rule, attribute=n, n=int(known.sum()),
                                 macro_f1=f1_score(y[n][te][known].astype(int), codes[n][known], average='macro', zero_division=0)))
    res = pd.DataFrame(recs)
    res = pd.concat([res, res.groupby(['fold', 'rule'], as_index=False).macro_f1.mean().assign(attribute='mean')], ignore_index=True)
    t = res.groupby(['rule', 'attribute'], sort=False).macro_f1.agg(['mean', 'std']).unstack('attribute')
    cells = pd.DataFrame({n: [f"{t.loc[r, ('mean', n)]:.3f} ± {t.loc[r, ('std', n)]:.3f}" for r in t.index] for n in names + ['mean']}, index=t.index)
    print(f"{len(folds)} folds of {a.cv}; held-out macro-F1, mean ± sd over folds\n{cells.to_markdown()}")
    if a.out: Path(a.out).write_text(json.dumps(dict(cv=a.cv, folds=[int(f) for f in folds], scores=res.to_dict('records')), indent=1) + '\n')

if __name__ == '__main__': main()
