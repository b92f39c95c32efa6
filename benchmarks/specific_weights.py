"""The specific-class output as a logistic regression on cached features (as `head_fit: "logistic"` fits it), with
the class weights of its training varied: how often its answer agrees with the class the held-out photos' titles name
(the issue's target: 85% neck, 97% pattern), and its macro-F1 over the held-out photos labelled with a specific class.
Same 5 folds as every CV run (split_seed 42). Training targets per attribute, as `title_specific_targets` makes them:
the label where it names a specific class, else the class the training photo's title names (default keyword map).

Usage: python benchmarks/specific_weights.py FEATURES.npz [FEATURES2.npz ...] [--C 0.003] [--powers 1 0.5 0]
       (run from the project root; the .npz files from cv_references.py --features, their 'plain' features side by side)"""
import argparse, sys, numpy as np, pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import f1_score
from fashion_attrs.data import read_dataset
from fashion_attrs.schema import load_schema
from fashion_attrs.titles import add_titles, title_classes
from fashion_attrs.train import TrainConfig
from fashion_attrs.cv import cv_folds

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('features', nargs='+'); p.add_argument('--data', default='../shared/flixstock-dev')
    p.add_argument('--C', type=float, default=0.003); p.add_argument('--powers', type=float, nargs='+', default=[1., .5, 0.])
    a = p.parse_args()
    table,_ = read_dataset(a.data); folds = cv_folds(table, TrainConfig(), 5)
    x = np.hstack([np.load(f)['plain'] for f in a.features])
    names = np.load(a.features[0])['filename']
    assert (names == table.filename.to_numpy(str)).all(), 'features and table in different orders'
    titled = table[['filename']].merge(title_classes(add_titles(table, a.data)), on='filename', how='left')
    recs = []
    for k in sorted(folds.fold.unique()):
        test = (folds.fold == k).to_numpy()
        for att in load_schema(None):
            K = att.n_classes - 1   # the specific classes: all but the last (catch-all)
            label = table[att.name].to_numpy(dtype=float, na_value=np.nan)
            said = titled[att.name].to_numpy(dtype=float, na_value=np.nan) if att.name in titled else np.full(len(table), np.nan)
            target = np.where(label < K, label, np.where(said < K, said, np.nan))   # nan compares False
            tr = ~test & ~np.isnan(target)
            ht,hl = test & (said < K),test & (label < K)   # held out: titled with a specific class; labelled with one
            sc = StandardScaler().fit(x[tr]); y = target[tr].astype(int); n = np.bincount(y, minlength=K)
            for pw in a.powers:
                w = {c: (len(y) / ((n > 0).sum() * n[c])) ** pw for c in np.unique(y)}
                clf = LogisticRegression(C=a.C, class_weight=w, max_iter=3000).fit(sc.transform(x[tr]), y)
                pt,pl = clf.predict(sc.transform(x[ht])),clf.predict(sc.transform(x[hl]))
                recs.append(dict(fold=int(k), attribute=att.name, power=pw, n_titled=int(ht.sum()), title_agree=float((pt == said[ht]).mean()) if ht.any() else np.nan,
                                 majority_title_agree=float((said[ht] == np.bincount(y).argmax()).mean()) if ht.any() else np.nan,
                                 n_labelled=int(hl.sum()), specific_macro_f1=f1_score(label[hl].astype(int), pl, average='macro', zero_division=0)))
        print(f'fold {k} done', file=sys.stderr, flush=True)
    df = pd.DataFrame(recs)
    g = df.groupby(['attribute', 'power'])
    out = pd.concat([g.n_titled.sum(), g.title_agree.mean().round(3).rename('title_agree_mean'), g.title_agree.std().round(3).rename('title_agree_sd'),
                     g.majority_title_agree.mean().round(3).rename('majority_title_agree'), g.specific_macro_f1.mean().round(3).rename('specific_macro_f1_mean'),
                     g.specific_macro_f1.std().round(3).rename('specific_macro_f1_sd')], axis=1)
    print(out.to_string())

if __name__ == '__main__': main()
