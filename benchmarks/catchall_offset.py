"""How the logistic-regression reference's held-out macro-F1 moves with one offset added to the catch-all class's log-probability
(the same for every photo), per attribute, on the same 5 folds: the offset a macro-F1 decision rule would tune.
Features from cv_references.py --features DIR (here /work/runs/feat); class weights balanced or sqrt.

Usage: python benchmarks/catchall_offset.py lite0+lite1 balanced|sqrt"""
import sys, numpy as np, pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import f1_score
from fashion_attrs.data import read_dataset
from fashion_attrs.train import TrainConfig
from fashion_attrs.cv import cv_folds
table,_ = read_dataset('../shared/flixstock-dev'); folds = cv_folds(table, TrainConfig(augment=False), 5)
x = np.hstack([np.load(f'/work/runs/feat/tf_efficientnet_{a}.npz')['plain'] for a in sys.argv[1].split('+')])
cw = sys.argv[2] if len(sys.argv)>2 else 'balanced'
fold = folds.fold.values
for a in ['neck','sleeve_length','pattern']:
    y = table[a].to_numpy(dtype=float, na_value=np.nan); known = ~np.isnan(y); yi = np.nan_to_num(y).astype(int)
    K = int(np.nanmax(y))+1
    logp = np.zeros((len(y), K))
    for k in range(5):
        tr, te = known & (fold!=k), known & (fold==k)
        sc = StandardScaler().fit(x[tr])
        w = None
        if cw=='sqrt':
            cnt = np.bincount(yi[tr], minlength=K); w = {c: float(np.sqrt(tr.sum()/(K*max(cnt[c],1)))) for c in range(K)}
        clf = LogisticRegression(C=0.003, class_weight=('balanced' if cw=='balanced' else w), max_iter=3000).fit(sc.transform(x[tr]), yi[tr])
        lp = np.full((te.sum(), K), -1e9); lp[:, clf.classes_] = clf.predict_log_proba(sc.transform(x[te])); logp[te] = lp
    res = []
    for b in [-2,-1,-0.5,0,0.5,1,2,3]:
        l = logp.copy(); l[:, K-1] += b; p = l.argmax(1)
        res.append((b, np.mean([f1_score(yi[known&(fold==k)], p[known&(fold==k)], average='macro') for k in range(5)])))
    print(a, cw, ' '.join(f'{b:+}:{v:.3f}' for b,v in res), flush=True)
