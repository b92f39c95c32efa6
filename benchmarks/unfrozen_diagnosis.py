"""Why does the first unfrozen epoch lower the held-out macro-F1? One factor changed at a time, on one fold.

The default recipe's head is fitted on fold 0's training folds (cached features, as `fit_recipe` does) and saved;
then, for each variant, that same state is loaded and the first unfrozen epoch of the default 2-epoch schedule
runs (discriminative rates `slice(lr/2/10, lr/2)`, one cycle) with one thing changed: nothing, ten times smaller
learning rates, body batch-norm statistics trained, no augmentation, no class weights. Held-out fold 0's
macro-F1 per attribute is read before and after. One fold is a diagnosis, not a decision.

Usage: python benchmarks/unfrozen_diagnosis.py ../shared/flixstock-dev --out benchmarks/results/unfrozen_diagnosis.json"""
import argparse, dataclasses, json, os, tempfile, time
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np
from fastai.vision.all import Callback, CancelFitException, Recorder
from fashion_attrs.data import read_dataset
from fashion_attrs.train import ONE_VIEW, TrainConfig, build_learner, fit_head_on_features, FrozenBatchNormStats, set_seed
from fashion_attrs.cv import cv_folds, fold_splits

class StopAfter(Callback):
    "Cancel the fit once `n` epochs are recorded."
    order = Recorder.order + 1
    def __init__(self, n:int): self.n = n
    def after_epoch(self):
        if self.epoch + 1 >= self.n: raise CancelFitException()

def scores(learn)->dict:
    "Held-out (valid part) loss and macro-F1 per attribute."
    vals = learn.validate()
    names = [m.name for m in learn.metrics]
    return dict(valid_loss=float(vals[0])) | {n: float(v) for n,v in zip(names, vals[1:]) if n.endswith('_f1')}

VARIANTS = {'default': {}, 'lr_div_10': dict(lr_scale=0.1), 'bn_stats_trained': dict(keep_stats=False),
            'no_augment': dict(augment=False), 'no_class_weights': dict(class_weights=False)}

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--out', default='benchmarks/results/unfrozen_diagnosis.json')
    p.add_argument('--config', help='a TrainConfig JSON; default: the defaults'); p.add_argument('--fold', type=int, default=0); p.add_argument('--variants', nargs='+', default=list(VARIANTS))
    a = p.parse_args()
    config = TrainConfig.load(a.config) if a.config else TrainConfig(**ONE_VIEW)
    table,_ = read_dataset(a.data)
    sp = fold_splits(cv_folds(table, config, 5), a.fold)
    res = dict(fold=a.fold, config=dataclasses.asdict(config), variants={})
    with tempfile.TemporaryDirectory() as work:
        set_seed(config.seed, reproducible=True)
        learn = build_learner(table, sp, config, path=work)
        plain_dls = build_learner(table, sp, dataclasses.replace(config, augment=False), path=work).dls
        weighted = learn.loss_func.class_weights
        start = time.time(); learn.freeze()
        fit_head_on_features(learn, config.freeze_epochs, config.lr, config.feature_passes)
        res['head'] = scores(learn) | dict(minutes=round((time.time() - start) / 60, 2)); print('head', res['head'], flush=True)
        learn.save('head')
        top = config.lr / config.unfrozen_lr_div
        for name in a.variants:
            v = VARIANTS[name]; start = time.time()
            set_seed(config.seed, reproducible=True)
            learn.load('head'); learn.unfreeze()
            dls = learn.dls
            if v.get('augment') is False: learn.dls = plain_dls
            learn.loss_func.class_weights = weighted if v.get('class_weights', True) else None
            s = v.get('lr_scale', 1.)
            cbs = [StopAfter(1)] + ([FrozenBatchNormStats()] if v.get('keep_stats', True) else [])
            learn.fit_one_cycle(config.epochs, slice(s * top / config.lr_mult, s * top), cbs=cbs)
            learn.dls = dls; learn.loss_func.class_weights = weighted
            res['variants'][name] = scores(learn) | dict(minutes=round((time.time() - start) / 60, 2))
            print(name, res['variants'][name], flush=True)
            Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(res, indent=1) + '\n')

if __name__ == '__main__': main()
