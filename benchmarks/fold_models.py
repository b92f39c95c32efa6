"""Flip test-time augmentation and the average of fold models, on the same 5 folds as `fashion-attrs-cv`.

For each outer fold k, held out:
- `single`: the recipe trained on the other 4 folds (what `fashion-attrs-cv` scores for fold k);
- `single_flip`: the same model, its probabilities averaged with those of the mirrored photo;
- `fold_average`: the recipe trained 4 times, each on 3 of the other 4 folds (an inner cross-validation), its
  probabilities on fold k averaged: what averaging a cross-validation's models instead of training one model on all of
  the data would score;
- `fold_average_flip`: both.
Each averaged model trains on 3/5 of the photos against 4/5 for `single` (averaging a real 5-fold run's models would
use 4/5 each against all of them), so the comparison slightly understates averaging.
Each model's probabilities on fold k are saved in OUT as they come (`fold_<k>_<model>.npz`, written atomically), so a
rerun resumes; a model another process is training (its `.lock` file exists) is left to it, so two processes can share
OUT with different `--folds`. OUT keeps the settings it was made with (`config.json`) and refuses others. The folds'
single models come first, so the flip comparison is ready before the inner models. `--score-only` trains nothing and
scores what is saved; the summary says which folds each variant covers. `--models DIR` takes the single models from a
finished `fashion-attrs-cv --keep-models` run (`DIR/fold_<k>.pkl`) instead of training them, with the settings they
were trained with (`read_cv_run`), and trains no inner models.

Usage: python benchmarks/fold_models.py ../shared/flixstock-dev --out runs/fold_models [--config FILE] [--folds 0 1 2 3 4] [--score-only] [--models DIR]"""
import argparse, json, os, time
from dataclasses import asdict
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, pandas as pd, torch
from fashion_attrs.core import atomic_write, write_csv
from fashion_attrs.data import read_dataset
from fashion_attrs.titles import add_titles
from fashion_attrs.train import TrainConfig
from fashion_attrs.cv import cv_folds, run_fold, read_cv_run
from fashion_attrs.inference import load_model
from fashion_attrs.model import OutputLayout, batch_probs, score_table

def mirrored_probs(learn, rows:pd.DataFrame)->np.ndarray:
    "Probabilities (n_rows, n_out) of `learn` for the horizontally mirrored photos of `rows`."
    dl = learn.dls.test_dl(rows, rm_type_tfms=0, bs=64, num_workers=0)
    model,act = learn.model.eval(),learn.loss_func.activation
    with torch.no_grad(): return torch.cat([act(model(xb.flip(3))) for (xb,) in dl]).numpy()

def model_probs(path:Path, train_fn, rows:pd.DataFrame)->dict|None:
    "The saved probabilities at `path`, or those of the model `train_fn()` returns on `rows` (plain and mirrored), saved there first; None while another process trains it."
    if path.exists(): return dict(np.load(path))
    lock = path.with_suffix('.lock')
    try: os.close(os.open(lock, os.O_CREAT | os.O_EXCL))
    except FileExistsError: return None
    try: return _train_and_save(path, train_fn, rows)
    finally: lock.unlink()

def _train_and_save(path:Path, train_fn, rows:pd.DataFrame)->dict:
    start = time.time(); learn = train_fn()
    plain,targs = batch_probs(learn, rows, with_labels=True)
    layout,majority = learn.loss_func.layout,learn.model_info.majority
    p = dict(plain=plain.numpy(), mirrored=mirrored_probs(learn, rows), minutes=np.array((time.time() - start) / 60),
             truth=layout.target_codes(targs), majority=np.array([majority[a] for a in layout.schema.names]))
    with atomic_write(path, 'wb') as f: np.savez(f, **p)
    return p

def said(k:int, what:str, probs:dict|None):
    print(f"fold {k}: {what} " + ("(another process trains it)" if probs is None else f"({float(probs['minutes']):.1f} min)"), flush=True)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--out', default='runs/fold_models'); p.add_argument('--config', default=None)
    p.add_argument('--folds', type=int, nargs='*', default=[0, 1, 2, 3, 4])
    p.add_argument('--score-only', action='store_true', help='train nothing: score the saved probabilities')
    p.add_argument('--models', help="a `fashion-attrs-cv --keep-models` folder: its fold models are the single models, and no inner model is trained")
    a = p.parse_args()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    if a.models and a.config: p.error("--models brings its run's settings; leave out --config")
    config = read_cv_run(a.models)[0] if a.models else TrainConfig.load(a.config)
    made = dict(data=str(Path(a.data).resolve()), config=asdict(config))
    if (out/'config.json').exists() and json.loads((out/'config.json').read_text()) != made:
        raise SystemExit(f"{out}: made with other data or settings (see its config.json); use another --out")
    with atomic_write(out/'config.json') as f: f.write(json.dumps(made, indent=1))
    table,_ = read_dataset(a.data, config.schema)
    if config.reads_titles: table = add_titles(table, a.data)
    splits = cv_folds(table, config, 5)
    quiet = lambda *args, **kw: None
    outer = {k: table[(splits.fold == k).values].reset_index(drop=True) for k in a.folds}
    for k in [] if a.score_only else a.folds:   # the single models first: the flip comparison needs only them
        fit = (lambda: load_model(Path(a.models)/f'fold_{k}.pkl')) if a.models else (lambda: run_fold(table, splits, k, config, quiet).learn)
        said(k, 'single model' + (' (loaded)' if a.models else ''), model_probs(out/f'fold_{k}_single.npz', fit, outer[k]))
    for k in [] if a.score_only or a.models else a.folds:
        inner_table = table[(splits.fold != k).values].reset_index(drop=True)
        inner_splits = splits[splits.fold != k].reset_index(drop=True)
        for j in sorted(set(inner_splits.fold)):
            said(k, f'inner model without fold {j}',
                 model_probs(out/f'fold_{k}_inner_{j}.npz', lambda: run_fold(inner_table, inner_splits, j, config, quiet).learn, outer[k]))
    layout,recs = OutputLayout(config.schema, na_class=config.na_class, specific=config.specific_output),[]
    for k in a.folds:
        if not (out/f'fold_{k}_single.npz').exists(): continue
        single = dict(np.load(out/f'fold_{k}_single.npz'))
        inner = [dict(np.load(f)) for f in sorted(out.glob(f'fold_{k}_inner_*.npz'))]
        truth,majority = single['truth'],dict(zip(layout.schema.names, single['majority']))   # the majority class of fold k's 4 training folds
        variants = dict(single=single['plain'], single_flip=(single['plain'] + single['mirrored']) / 2)
        if len(inner) == 4:
            variants |= dict(fold_average=np.mean([i['plain'] for i in inner], 0),
                             fold_average_flip=np.mean([(i['plain'] + i['mirrored']) / 2 for i in inner], 0))
        for name,probs in variants.items():
            s = score_table(truth, layout.decode(torch.tensor(probs))[0], layout.schema.names, majority)
            recs += s.assign(fold=k, variant=name).to_dict('records')
    df = pd.DataFrame(recs); write_csv(df, out/'fold_scores.csv')
    g = df.groupby(['variant', 'attribute'], sort=False)
    s = g[['macro_f1', 'majority_macro_f1']].agg(['mean', 'std'])
    s.columns = ['_'.join(c) for c in s.columns]
    s = s.join(g.fold.agg(lambda f: ' '.join(map(str, sorted(f)))).rename('folds')).reset_index()
    write_csv(s, out/'summary.csv'); print(s.round(3).to_string(index=False))
    print(df[df.attribute == 'mean'].pivot(index='fold', columns='variant', values='macro_f1').round(3).to_string())

if __name__ == '__main__': main()
