"""The specific output's class weights, screened on a kept cross-validation's fold models: for each fold k, the fold
model's pooled features (every member's and view's, what its head reads) of every photo; on the other folds' photos,
the specific block refitted as the project's regression (`regression_head_weights`, the run's C) on the specific
targets the recipe learns from (a label naming a specific class, else the class the training photo's title names,
as `title_specific_targets`), once with class weights of each power given; scored on fold k: agreement with the
titles of its photos whose title names a specific class (as `specific_title_agreement`), and macro-F1 over its photos
labelled with a specific class. The model's own specific output (the tuned heads and the refitted regressions
averaged, weights of power 1) is printed beside, from the run's `oof_probs.csv`.

Not a cross-validation of a recipe: the body was tuned with the specific block's loss weighted as the run's settings
said, and only the block's regression changes here. A screen, to say whether a full run is worth its time.

Usage: python benchmarks/specific_refit.py DATA KEPT_CV_RUN [--powers 1 0.5 0]"""
import argparse, os
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, pandas as pd, torch
from sklearn.metrics import f1_score
from fashion_attrs.cv import read_cv_run
from fashion_attrs.data import read_dataset
from fashion_attrs.titles import add_titles, title_classes
from fashion_attrs.inference import load_model
from fashion_attrs.train import regression_head_weights, _head_layers
from fashion_attrs.audit import specific_title_agreement

def pooled_features(learn, rows:pd.DataFrame, bs:int=64)->np.ndarray:
    "What the head's batch norm reads for each of `rows`: the body's maps pooled (every member's and view's)."
    body,head = learn.model.eval()[0],learn.model[1]
    bn,_ = _head_layers(head); upto = next(i for i,m in enumerate(head) if m is bn)
    dl = learn.dls.test_dl(rows, rm_type_tfms=0, bs=bs, num_workers=0)
    with torch.no_grad(): return torch.cat([head[:upto](body(xb)) for (xb,) in dl]).numpy()

def specific_targets(table:pd.DataFrame, titled:pd.DataFrame, attr:str, n_specific:int)->np.ndarray:
    "Per photo of `table`: its label where it names a specific class, else the specific class its title names, else -1."
    said = table[['filename']].merge(titled[['filename', attr]], on='filename', how='left')[attr].to_numpy(float, na_value=np.nan)
    label = table[attr].to_numpy(float, na_value=np.nan)
    return np.where(label < n_specific, label, np.where(said < n_specific, said, -1)).astype(int)   # nan compares False

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('data'); ap.add_argument('run'); ap.add_argument('--powers', type=float, nargs='+', default=[1., .5, 0.])
    a = ap.parse_args()
    cfg,_ = read_cv_run(a.run); layout = cfg.layout
    table,_ = read_dataset(a.data, cfg.schema); table = add_titles(table, a.data)
    titled = title_classes(table, cfg.title_keywords, cfg.schema)
    oof = pd.read_csv(f'{a.run}/oof_probs.csv'); fold = table[['filename']].merge(oof[['filename', 'fold']], on='filename').fold.to_numpy()
    attrs = [s for s in layout.schema if s.name in layout.specific_slices and s.name in titled]
    own = specific_title_agreement(oof, titled, layout).groupby('attribute', sort=False).output_agree
    recs = []
    for k in sorted(set(fold)):
        x = pooled_features(load_model(f'{a.run}/fold_{k}.pkl'), table); tr,te = fold != k,fold == k
        print(f"fold {k}: features {x.shape}", flush=True)
        for s in attrs:
            t,n = specific_targets(table, titled, s.name, s.n_classes - 1),s.n_classes - 1
            said = table[['filename']].merge(titled[['filename', s.name]], on='filename', how='left')[s.name].to_numpy(float, na_value=np.nan)
            y = np.zeros((len(t), n)); y[t >= 0, t[t >= 0]] = 1
            lab = table[s.name].to_numpy(float, na_value=np.nan) < n; ttl = said < n
            for power in a.powers:
                m,v,W,b = regression_head_weights(x[tr], y[tr], [slice(0, n)], cfg.head_C, power)
                pred = ((x[te] - m) / np.sqrt(v + 1e-5) @ W.T + b).argmax(1)
                recs.append(dict(fold=k, attribute=s.name, power=power, titles=float((pred[ttl[te]] == said[te][ttl[te]]).mean()),
                                 specific_f1=f1_score(table[s.name].to_numpy(float, na_value=np.nan)[te][lab[te]], pred[lab[te]], average='macro', zero_division=0)))
    r = pd.DataFrame(recs); g = r.groupby(['attribute', 'power'], sort=False)[['titles', 'specific_f1']].agg(['mean', 'std'])
    print(f"\n{a.run}: the specific block refitted on each fold model's features (mean ± sd over folds); the model's own output agrees with titles on "
          + ", ".join(f"{at} {own.mean()[at]:.3f}" for at in own.mean().index))
    for (at,power),row in g.iterrows():
        base = r[(r.attribute == at) & (r.power == a.powers[0])].titles.to_numpy(); cur = r[(r.attribute == at) & (r.power == power)].titles.to_numpy()
        print(f"{at:<14} power {power:<4g} titles {row[('titles','mean')]:.3f} ± {row[('titles','std')]:.3f}   specific macro-F1 {row[('specific_f1','mean')]:.3f} ± {row[('specific_f1','std')]:.3f}"
              + (f"   titles against power {a.powers[0]:g}: {np.mean(cur - base):+.3f} ± {np.std(cur - base, ddof=1):.3f} ({int((cur > base).sum())}/5)" if power != a.powers[0] else ''))

if __name__ == '__main__': main()
