"""Frozen features of several backbones screened side by side, on the same 5 folds as `fashion-attrs-cv`: for the
labels, the logistic-regression reference of `cv_references.py` (flip-averaged pooled features, standardised,
class-balanced, C 0.003); for the specific output, the project's regression (`regression_head_weights`, class weights
of power 1, the same C) fitted on the other folds' specific targets (a label naming a specific class, else the class
the training photo's title names, as `title_specific_targets`). Scored on each held-out fold: labels' macro-F1, the
specific output's agreement with held-out titles (`specific_title_agreement`) and its macro-F1 over photos labelled
with a specific class (`specific_table`). Each feature set after the first is paired against the first, fold by fold.

A screen of frozen features, not a cross-validation of a recipe: it says whether a backbone is worth building into
the library, before any of its layers is tuned.

Feature files: `.npz` with `filename`, `plain` and `flipped` (n, d) arrays, as `cv_references.arch_features` keeps
them (`--features DIR` of `cv_references.py`). `NAME=FILE` names each; `NAME=FILE+FILE` puts two side by side.

Usage: python benchmarks/features_title_screen.py DATA NAME=FILE[+FILE] [NAME=FILE ...] [--C 0.003]"""
import argparse, os, sys
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, pandas as pd
from fashion_attrs.data import read_dataset
from fashion_attrs.titles import add_titles, title_classes
from fashion_attrs.train import TrainConfig
from fashion_attrs.cv import cv_folds
sys.path.insert(0, 'benchmarks')
from cv_references import fold_scores
from specific_prior import specific_targets, specific_block_probs, specific_scores

def read_features(path:str, table:pd.DataFrame)->np.ndarray:
    "The flip-averaged features of `path`, in `table`'s row order; several files joined by '+' side by side (as the crop view puts its two views)."
    if '+' in path: return np.hstack([read_features(p, table) for p in path.split('+')])
    z = np.load(path, allow_pickle=False)
    at = pd.Series(np.arange(len(z['filename'])), index=z['filename'])
    missing = set(table.filename) - set(at.index)
    if missing: raise SystemExit(f"{path}: no features of {len(missing)} photos, e.g. {sorted(missing)[0]}")
    i = at.loc[table.filename].to_numpy()
    return (z['plain'][i] + z['flipped'][i]) / 2

def specific_out_of_fold(x:np.ndarray, table:pd.DataFrame, folds:pd.DataFrame, targets:pd.DataFrame, config:TrainConfig, C:float)->pd.DataFrame:
    "Out-of-fold probabilities in a run's layout (`filename`, `fold`, token columns) whose specific blocks are the project's regression fitted on the other folds (`specific_block_probs`); the attribute blocks stay 0: only the specific output is read from them (the labels are scored by `fold_scores`)."
    layout = config.layout; cols = list(layout.vocab)
    res = pd.DataFrame(0., index=range(len(table)), columns=cols).assign(filename=table.filename.to_numpy(), fold=folds.fold.to_numpy())
    for k in sorted(folds.fold.unique()):
        te = (folds.fold == k).to_numpy()
        for s in layout.schema:
            if s.name in layout.specific_slices:
                t = targets[s.name].to_numpy(float, na_value=np.nan)
                res.loc[te, cols[layout.specific_slices[s.name]]] = specific_block_probs(x, t, s.n_classes - 1, ~te, te, C)
    return res

def screen(x:np.ndarray, table:pd.DataFrame, folds:pd.DataFrame, titled:pd.DataFrame, targets:pd.DataFrame, config:TrainConfig, C:float)->pd.DataFrame:
    "Per fold (rows): each attribute's and the mean labels' macro-F1, and per titled attribute the specific output's title agreement and specific macro-F1."
    f1 = pd.DataFrame(fold_scores(x, table, folds, C)).pivot(index='fold', columns='attribute', values='macro_f1')
    spec = specific_scores(specific_out_of_fold(x, table, folds, targets, config, C), table, titled, config.layout)
    return pd.concat([f1.add_suffix(' f1'), spec.rename(columns=lambda c: c.replace(' f1', ' specific f1'))], axis=1)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('data'); ap.add_argument('features', nargs='+', help='NAME=FILE.npz'); ap.add_argument('--C', type=float, default=0.003)
    a = ap.parse_args()
    named = [f.split('=', 1) for f in a.features]
    if any(len(n) != 2 for n in named): ap.error("each feature set is NAME=FILE")
    config = TrainConfig()
    table,_ = read_dataset(a.data); table = add_titles(table, a.data)
    folds = cv_folds(table, config, 5)
    if folds.filename.tolist() != table.filename.tolist(): raise SystemExit("cv_folds changed the table's order")
    titled,targets = title_classes(table, config.title_keywords, config.schema),specific_targets(table, config)
    first = None
    pd.set_option('display.width', 250)
    for name,path in named:
        s = screen(read_features(path, table), table, folds, titled, targets, config, a.C)
        print(f"\n{name} ({path}): per fold\n{s.round(3).to_string()}\nmean ± sd: " + ";  ".join(f"{c} {s[c].mean():.3f} ± {s[c].std():.3f}" for c in s), flush=True)
        if first is None: first = (name, s); continue
        d = s - first[1]
        print(f"against {first[0]}, paired: " + ";  ".join(f"{c} {d[c].mean():+.3f} ± {d[c].std():.3f} ({int((d[c] > 0).sum())}/{len(d)})" for c in d), flush=True)

if __name__ == '__main__': main()
