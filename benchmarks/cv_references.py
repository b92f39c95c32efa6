"""The logistic-regression reference through the same 5 folds as `fashion-attrs-cv`: frozen ImageNet features of the
backbone (global average pool), averaged with those of the horizontally flipped photo (and, for comparison, without),
standardised on the training folds, one class-balanced logistic regression per attribute (C=0.003). Per fold and
attribute: macro-F1 and accuracy on the held-out fold beside the majority class of the training folds. With several
`--arch`, the backbones' features are put side by side (concatenated) before the one regression.

Usage: python benchmarks/cv_references.py ../shared/flixstock-dev [--out benchmarks/results] [--arch tf_efficientnet_lite0 ...] [--features DIR] [--size H W]"""
import argparse, json, os, tempfile, time
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, pandas as pd, torch
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import f1_score
from fashion_attrs.data import read_dataset
from fashion_attrs.train import ONE_VIEW, TrainConfig, build_learner
from fashion_attrs.cv import cv_folds
from fashion_attrs.schema import load_schema

ATTRS = load_schema(None).names   # FlixStock's attributes, in their order

def frozen_features(table:pd.DataFrame, config:TrainConfig)->tuple[np.ndarray, np.ndarray]:
    "Average-pooled ImageNet body features of every row, plain and of the flipped photo: two arrays (n, channels)."
    with tempfile.TemporaryDirectory() as tmp:
        learn = build_learner(table, table[['filename']].assign(split='train'), config, path=tmp)
    return pooled_features(learn, table)

def pooled_features(learn, table:pd.DataFrame)->tuple[np.ndarray, np.ndarray]:
    "Average-pooled features of `learn`'s body (in eval mode) for every row, plain and of the flipped photo: two arrays (n, channels)."
    body = learn.model[0].eval()
    dl = learn.dls.test_dl(table, rm_type_tfms=0, bs=32, num_workers=0)
    plain,flipped = [],[]
    with torch.no_grad():
        for (xb,) in dl:
            plain.append(body(xb).mean((2, 3))); flipped.append(body(xb.flip(3)).mean((2, 3)))
    return torch.cat(plain).numpy(), torch.cat(flipped).numpy()

def size_suffix(size)->str:
    "'' for the default input size, else '_<height>x<width>' (names of feature caches and result files)."
    return '' if list(size) == TrainConfig().size else f'_{size[0]}x{size[1]}'

def arch_features(table:pd.DataFrame, arch:str, cache:str|None=None, size=None)->tuple[np.ndarray, np.ndarray]:
    "`frozen_features` of backbone `arch` at input `size` ([height, width]; default the project's), kept in `cache/<arch><size_suffix>.npz` (with the filenames they are of) when `cache` is given."
    size = list(size or TrainConfig().size)
    f = Path(cache)/f'{arch}{size_suffix(size)}.npz' if cache else None
    if f and f.exists():
        z = np.load(f, allow_pickle=False)
        if z['filename'].tolist() != table.filename.tolist(): raise SystemExit(f"{f}: features of other photos; delete it")
        return z['plain'], z['flipped']
    plain,flipped = frozen_features(table, TrainConfig(arch=arch, augment=False, size=size, **ONE_VIEW))
    if f: f.parent.mkdir(parents=True, exist_ok=True); np.savez(f, plain=plain, flipped=flipped, filename=table.filename.to_numpy(str))
    return plain, flipped

def balanced_regression(x:np.ndarray, y:np.ndarray, train:np.ndarray, C:float, keep=None, attribute:str|None=None, power:float=1.)->tuple[StandardScaler, LogisticRegression]:
    "The reference's regression: `x` standardised on the `train` rows, a class-balanced logistic regression fitted on them (on those `keep(z, y, attribute)` keeps, if given); the scaler and the regression. `power` other than 1 raises scikit-learn's 'balanced' weights n/(k·n_c) to it (0: unweighted)."
    sc = StandardScaler().fit(x[train]); z,yt = sc.transform(x[train]),y[train].astype(int)
    kept = keep(z, yt, attribute) if keep else slice(None)
    cls,n = np.unique(yt[kept], return_counts=True)
    weights = 'balanced' if power == 1 else dict(zip(cls, (n.sum() / (len(cls) * n)) ** power))
    return sc, LogisticRegression(C=C, class_weight=weights, max_iter=3000).fit(z[kept], yt[kept])

def fold_scores(x:np.ndarray, table:pd.DataFrame, folds:pd.DataFrame, C:float, only:list[int]|None=None, keep=None, power:float=1.)->list[dict]:
    """Per fold (every one, or those in `only`) and attribute, the held-out macro-F1 and accuracy of a class-balanced logistic regression (class weights to `power`, `balanced_regression`), beside the majority class.
    `keep(z, y, attribute)`, if given, says which training rows (standardised features `z`, labels `y`) the regression is fitted on."""
    recs = []
    for k in only or sorted(folds.fold.unique()):
        test = (folds.fold == k).values
        for a in ATTRS:
            y = table[a].to_numpy(dtype=float, na_value=np.nan); known = ~np.isnan(y)
            tr,te = known & ~test,known & test
            sc,clf = balanced_regression(x, y, tr, C, keep, a, power)
            p,t = clf.predict(sc.transform(x[te])),y[te].astype(int)
            maj = np.full_like(t, pd.Series(y[tr]).mode().iloc[0])
            recs.append(dict(fold=int(k), attribute=a, n=int(te.sum()), macro_f1=f1_score(t, p, average='macro', zero_division=0),
                             majority_macro_f1=f1_score(t, maj, average='macro', zero_division=0),
                             accuracy=float((t == p).mean()), majority_accuracy=float((t == maj).mean())))
    df = pd.DataFrame(recs)
    mean = df.groupby('fold', as_index=False)[['n', 'macro_f1', 'majority_macro_f1', 'accuracy', 'majority_accuracy']].agg(
        dict(n='sum', macro_f1='mean', majority_macro_f1='mean', accuracy='mean', majority_accuracy='mean')).assign(attribute='mean')
    return pd.concat([df, mean], ignore_index=True).to_dict('records')

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--out', default='benchmarks/results'); p.add_argument('--arch', nargs='+', default=['tf_efficientnet_lite0'])
    p.add_argument('--C', type=float, default=0.003); p.add_argument('--features', help='a folder that keeps each backbone\'s features for later runs')
    p.add_argument('--size', type=int, nargs=2, metavar=('HEIGHT', 'WIDTH'), default=TrainConfig().size, help='input size (the photos are 300x225; larger sizes upscale them)')
    a = p.parse_args()
    if min(a.size) < 32: p.error(f"--size: height and width must be at least 32, got {a.size[0]} {a.size[1]}")
    start = time.time()
    config,arch = TrainConfig(augment=False, size=a.size, **ONE_VIEW),'+'.join(a.arch)
    table,_ = read_dataset(a.data)
    folds = cv_folds(table, config, 5)
    plain,flipped = map(np.hstack, zip(*[arch_features(table, n, a.features, a.size) for n in a.arch]))
    res = {}
    for name,x in [('lr_frozen_flip_avg', (plain + flipped) / 2), ('lr_frozen_no_flip', plain)]:
        res[name] = dict(arch=arch, size=config.size, C=a.C, folds=fold_scores(x, table, folds, a.C))
        s = pd.DataFrame(res[name]['folds']).groupby('attribute', sort=False)[['macro_f1', 'majority_macro_f1']].agg(['mean', 'std'])
        print(name, '\n', s.round(3).to_string(), flush=True)
    res['minutes'] = round((time.time() - start) / 60, 2)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    (out/f'cv_references_{arch}{size_suffix(a.size)}.json').write_text(json.dumps(res, indent=1) + '\n')

if __name__ == '__main__': main()
