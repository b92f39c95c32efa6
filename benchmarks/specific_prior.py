"""The specific output answered as the most likely class rather than the class-weighted one: its logits shifted by
`tau` times the log of each specific class's count among the training folds' specific targets (a label naming the
class, or, where the label names none, the class the title names: what the specific block learned from), scored on
the held-out fold. tau 0 is the output as trained (class weights of power 1 favour rare classes); tau 1 undoes the
'balanced' weights (the weighted fit's odds times each class's frequency). Nothing here is fitted on the held-out
fold: the counts come from the other folds.

Prints, per tau, mean ± sd over the folds: agreement with the held-out photos' titles (`specific_title_agreement`),
and the specific output's macro-F1 over held-out photos labelled with a specific class (`specific_table`'s output_f1).

Usage: python benchmarks/specific_prior.py DATA CV_RUN [CV_RUN ...] [--taus 0 0.5 1]"""
import argparse
import numpy as np, pandas as pd
from fashion_attrs.cv import read_cv_run
from fashion_attrs.data import read_dataset
from fashion_attrs.titles import add_titles, title_classes
from fashion_attrs.audit import specific_probs, specific_title_agreement, specific_table

def specific_counts(table:pd.DataFrame, titled:pd.DataFrame, attr:str, n_specific:int, folds:pd.Series)->pd.DataFrame:
    "Per fold k (rows): the count of each specific class (columns) among the specific targets of the photos outside fold k."
    d = table[['filename', attr]].merge(titled[['filename', attr]], on='filename', suffixes=('', '_title')).merge(folds, on='filename')
    label,said = d[attr].to_numpy(float, na_value=np.nan),d[attr + '_title'].to_numpy(float, na_value=np.nan)
    target = np.where(label < n_specific, label, np.where(said < n_specific, said, np.nan))   # nan compares False
    return pd.DataFrame({k: np.bincount(target[(d.fold != k).to_numpy() & ~np.isnan(target)].astype(int), minlength=n_specific)
                         for k in sorted(d.fold.unique())}).T

def shifted(oof:pd.DataFrame, layout, attr:str, counts:pd.DataFrame, tau:float)->pd.DataFrame:
    "`oof` with the specific probabilities of `attr` times count**tau of the fold's training classes, renormalised."
    res,cols = oof.copy(),list(layout.vocab[layout.specific_slices[attr]])
    q = specific_probs(oof, layout, attr) * counts.loc[oof.fold].to_numpy(float) ** tau
    res[cols] = q / q.sum(1, keepdims=True)
    return res

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('data'); ap.add_argument('runs', nargs='+'); ap.add_argument('--taus', type=float, nargs='+', default=[0, .25, .5, .75, 1])
    a = ap.parse_args()
    for run in a.runs:
        cfg,_ = read_cv_run(run); layout = cfg.layout
        oof,(table,_) = pd.read_csv(f'{run}/oof_probs.csv'),read_dataset(a.data, cfg.schema)
        titled = title_classes(add_titles(table, a.data), cfg.title_keywords, cfg.schema)
        attrs = [s.name for s in layout.schema if s.name in layout.specific_slices and s.name in titled]
        counts = {s.name: specific_counts(table, titled, s.name, s.n_classes - 1, oof[['filename', 'fold']]) for s in layout.schema if s.name in attrs}
        print(f"{run}")
        for tau in a.taus:
            o = oof
            for at in attrs: o = shifted(o, layout, at, counts[at], tau)
            agree = specific_title_agreement(o, titled, layout).groupby('attribute', sort=False).output_agree
            f1 = specific_table(o, table, layout).groupby('attribute', sort=False).output_f1
            line = [f"{at}: titles {agree.mean()[at]:.3f} ± {agree.std()[at]:.3f}, specific macro-F1 {f1.mean()[at]:.3f} ± {f1.std()[at]:.3f}" for at in attrs]
            print(f"  tau {tau:<4g} " + ";  ".join(line))

if __name__ == '__main__': main()
