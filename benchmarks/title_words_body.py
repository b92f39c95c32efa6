"""A body tuned on the product titles' words, then the logistic-regression reference on its features.

Per fold of the same 5 folds as `fashion-attrs-cv`: lite0 with ImageNet weights trains as a whole network ("plain":
every layer and every batch-norm statistic trains, horizontal flips only, fastai's `vision_learner` head with its output
biases set to each word's log-odds, AdamW one cycle) to predict the *words* of the training folds' titles (multi-label, sigmoid + binary cross-entropy; the
vocabulary is every word in at least `--min-photos` training titles and in at most `--max-share` of them, so that
"men" or "t-shirt" are not targets). No label is read while the body trains and no held-out title is read at all.
Then the logistic-regression reference of `cv_references.py` (flip-averaged pooled features of the tuned body,
standardised, class-balanced, C 0.003) is fitted on the training folds' labels and scored on the held-out fold.
This differs from `title_body_lr.py` (the project's title pretraining: the keyword map's classes as targets, the
project's augmentations, ImageNet's batch-norm statistics kept) in the targets and in the plain training.

With `--all-titles` the body also learns the titles of the held-out fold's photos (a leak a deployed model cannot
have, as a photo alone decides there): it measures how much of a gain comes from having seen the scored photos.

Each fold also reports how often the held-out photos' titles are matched, for the photos whose title names a class
under the default keyword map: by the word head itself (per class, the highest probability among the words of its
phrases, e.g. "round" or "crew" for round neck; the most probable class answers), and by a logistic regression on
the tuned body's features fitted on the training folds' title classes (as `specific_weights.py`, class weight
powers 1 and 0). The issue measured 73% (neck) and 97% (pattern) for its word-tuned network outside the project.

With `--beside-imagenet` (after the folds are done) the saved features of each fold's tuned body are put beside the
ImageNet body's, and the same logistic regression is scored on both together;
the held-out title agreement is scored on the ImageNet features, the tuned ones and both.

Usage: python benchmarks/title_words_body.py ../shared/flixstock-dev --out runs/title_words_body [--folds 0 1 2 3 4] [--all-titles] [--beside-imagenet]"""
import argparse, json, os, tempfile, time
from collections import Counter
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, pandas as pd, torch
from fastai.vision.all import (DataBlock, ImageBlock, MultiCategoryBlock, ColSplitter, Resize, ResizeMethod, PadMode,
                               Flip, vision_learner, BCEWithLogitsLossFlat)
from fashion_attrs.data import read_dataset
from fashion_attrs.titles import add_titles, title_classes, load_keywords
from fashion_attrs.schema import load_schema
from specific_weights import specific_answers
from fashion_attrs.model import image_path
from fashion_attrs.weights import learner_backbone_args
from fashion_attrs.train import ONE_VIEW, TrainConfig, build_learner, set_seed
from fashion_attrs.cv import cv_folds
from cv_references import pooled_features, fold_scores, frozen_features

def title_words(title:str)->list[str]:
    "The distinct words of a title, in order."
    return list(dict.fromkeys(str(title).split()))

def word_vocabulary(titles:pd.Series, min_photos:int, max_share:float)->list[str]:
    "Words in at least `min_photos` of `titles` and in at most `max_share` of them, sorted."
    counts = Counter(w for t in titles for w in title_words(t))
    return sorted(w for w,c in counts.items() if c >= min_photos and c <= max_share * len(titles))

def word_learner(rows:pd.DataFrame, vocab:list[str], config:TrainConfig, path:str):
    "A `vision_learner` on the photos of `rows` (`path`, `words`) predicting their title words; every layer trainable."
    block = DataBlock(blocks=(ImageBlock, MultiCategoryBlock(vocab=vocab)), get_x=image_path, get_y=lambda r: r['words'],
                      splitter=ColSplitter('is_valid'),
                      item_tfms=Resize(tuple(config.size), method=ResizeMethod.Pad, pad_mode=PadMode.Border), batch_tfms=[Flip()])
    dls = block.dataloaders(rows.assign(is_valid=False), bs=config.bs, num_workers=0, seed=config.seed)
    learn = vision_learner(dls, **learner_backbone_args(config.arch, config.pretrained), loss_func=BCEWithLogitsLossFlat(), path=path)
    share = torch.tensor([rows.words.map(lambda ws: w in ws).mean() for w in vocab], dtype=torch.float32)
    last = learn.model[1][-1]   # fastai's last head layer has no bias (a batch norm precedes it): one with a bias instead
    learn.model[1][-1] = torch.nn.Linear(last.in_features, last.out_features)
    with torch.no_grad():   # start from each word's share: the sparse targets need large negative biases, which one cycle's small first steps are slow to reach
        learn.model[1][-1].weight.copy_(last.weight); learn.model[1][-1].bias.copy_(torch.logit(share))
    learn.unfreeze()
    return learn

def score_beside_imagenet(table, splits, config, out:Path, folds:list[int], C:float):
    "Per finished fold, the logistic regression on the tuned body's flip-averaged features concatenated with the ImageNet body's (cached in `imagenet_features.npz`), and the held-out title agreement of `lr_title_agreement` on each and on both."
    cache = out/'imagenet_features.npz'
    if not cache.exists():
        plain,flipped = frozen_features(table, config)
        np.savez_compressed(cache, plain=plain, flipped=flipped, filename=table.filename.to_numpy())
    imagenet = np.load(cache, allow_pickle=True)
    assert (imagenet['filename'] == table.filename.to_numpy()).all()
    for k in folds:
        tuned = np.load(out/f'features_fold_{k}.npz', allow_pickle=True)
        assert (tuned['filename'] == table.filename.to_numpy()).all()
        x_tuned,x_imagenet = (tuned['plain'] + tuned['flipped']) / 2, (imagenet['plain'] + imagenet['flipped']) / 2
        x = np.concatenate([x_tuned, x_imagenet], axis=1)
        recs = fold_scores(x, table, splits, C, only=[k])
        said = title_classes(table); test = (splits.fold == k).to_numpy()
        agreement = {name: lr_title_agreement(f, said, test, C) for name,f in [('imagenet', x_imagenet), ('tuned', x_tuned), ('side_by_side', x)]}
        (out/f'fold_{k}_beside_imagenet.json').write_text(json.dumps(dict(fold=k, C=C, scores=recs, title_agreement=agreement), indent=1) + '\n')
        print(f'fold {k}, tuned and ImageNet features side by side:\n', pd.DataFrame(recs).round(3).to_string(), flush=True)
        print('held-out title agreement of a regression fitted on the training folds\' title classes:',
              pd.DataFrame([dict(features=n, attribute=a, power=pw, **r) for n,g in agreement.items() for a,d in g.items() for pw,r in d.items()]).round(3).to_string(), sep='\n', flush=True)

def class_words(vocab:list[str])->dict[str, dict[int, list[int]]]:
    "Per attribute of the default keyword map, per class: the vocabulary indices of the words of its phrases (classes with none left out)."
    res = {}
    for a,classes in load_keywords(None).items():
        res[a] = {c: sorted({vocab.index(w) for p in ps for w in p.split() if w in vocab and w not in ('neck', 'sleeve', 'sleeves', 't', 'shirt', 'tshirt', 'collar')})
                  for c,ps in classes.items()}
        res[a] = {c: ix for c,ix in res[a].items() if ix}
    return res

def word_head_agreement(probs:np.ndarray, vocab:list[str], said:pd.DataFrame)->dict:
    "Per attribute: the held-out photos whose title names a class of `class_words`, and the share where that class's words are the most probable."
    res = {}
    for a,cw in class_words(vocab).items():
        if not cw: continue
        codes = list(cw); score = np.stack([probs[:, ix].max(1) for ix in cw.values()], 1)
        t = said[a].to_numpy(dtype=float, na_value=np.nan); ok = np.isin(t, codes)
        pred = np.array(codes)[score.argmax(1)]
        res[a] = dict(n=int(ok.sum()), agree=float((pred[ok] == t[ok]).mean()) if ok.any() else None, classes={int(c): [vocab[i] for i in ix] for c,ix in cw.items()})
    return res

def lr_title_agreement(x:np.ndarray, said:pd.DataFrame, test:np.ndarray, C:float)->dict:
    "Per attribute and class-weight power: a logistic regression on `x` fitted on the training rows' title classes, its agreement with the held-out rows' title classes."
    res = {}
    for att in load_schema(None):
        if att.name not in said: continue
        K = att.n_classes - 1; t = said[att.name].to_numpy(dtype=float, na_value=np.nan)
        target = np.where(test, np.nan, t); ht = test & (t < K)
        if len(np.unique(target[~np.isnan(target)])) < 2 or not ht.any(): continue
        res[att.name] = {str(pw): dict(n=int(ht.sum()), agree=float((specific_answers(x, target, K, C, pw, ht) == t[ht]).mean())) for pw in (1., 0.)}
    return res

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--out', default='runs/title_words_body')
    p.add_argument('--folds', type=int, nargs='+', default=[0, 1, 2, 3, 4])
    p.add_argument('--epochs', type=int, default=8); p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--min-photos', type=int, default=5); p.add_argument('--max-share', type=float, default=0.5)
    p.add_argument('--C', type=float, default=0.003)
    p.add_argument('--all-titles', action='store_true', help="a leak, on purpose: the body also learns the held-out fold's titles (never its labels)")
    p.add_argument('--beside-imagenet', action='store_true', help="score the finished folds' saved features beside the ImageNet body's, concatenated")
    a = p.parse_args()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    config = TrainConfig(augment=False, **ONE_VIEW)
    table,_ = read_dataset(a.data); table = add_titles(table, a.data)
    splits = cv_folds(table, config, 5)
    if a.beside_imagenet: return score_beside_imagenet(table, splits, config, out, a.folds, a.C)
    settings = dict(epochs=a.epochs, lr=a.lr, min_photos=a.min_photos, max_share=a.max_share, C=a.C, all_titles=a.all_titles)
    for k in a.folds:
        if (out/f'fold_{k}.json').exists():
            saved = json.loads((out/f'fold_{k}.json').read_text())
            if {n: saved.get(n, False) for n in settings} != settings:   # a fold saved before `--all-titles` existed learned no held-out title
                raise SystemExit(f"{out/f'fold_{k}.json'} was made with other settings; use another --out")
            print(f'fold {k}: done before'); continue
        start = time.time(); set_seed(config.seed, reproducible=True)
        train = table[((splits.fold != k).values | a.all_titles) & (table.title.fillna('').str.split().str.len() >= 2).values]   # `cv_folds` keeps the table's order; 'na' is no title
        vocab = word_vocabulary(train.title, a.min_photos, a.max_share); known = set(vocab)
        rows = train.assign(words=train.title.map(lambda t: [w for w in title_words(t) if w in known]))
        rows = rows[rows.words.str.len() > 0].reset_index(drop=True)
        print(f'fold {k}: {len(rows)} training photos with title words, vocabulary of {len(vocab)} words', flush=True)
        with tempfile.TemporaryDirectory() as work:
            wl = word_learner(rows, vocab, config, work)
            wl.fit_one_cycle(a.epochs, a.lr)
            losses = [float(v[0]) for v in wl.recorder.values]
            held = table[(splits.fold == k).values].reset_index(drop=True)
            word_probs = wl.get_preds(dl=wl.dls.test_dl(held, rm_type_tfms=0, num_workers=0))[0].numpy()
            np.savez_compressed(out/f'word_probs_fold_{k}.npz', probs=word_probs, filename=held.filename.to_numpy(), vocab=np.array(vocab))
            learn = build_learner(table, table[['filename']].assign(split='train'), config, path=work)
            learn.model[0] = wl.model[0]
            plain,flipped = pooled_features(learn, table)
        np.savez_compressed(out/f'features_fold_{k}.npz', plain=plain, flipped=flipped, filename=table.filename.to_numpy())
        recs = fold_scores((plain + flipped) / 2, table, splits, a.C, only=[k])
        said = title_classes(table); test = (splits.fold == k).to_numpy()
        agreement = dict(word_head=word_head_agreement(word_probs, vocab, said.iloc[np.flatnonzero(test)].reset_index(drop=True)),
                         lr_on_tuned_features=lr_title_agreement((plain + flipped) / 2, said, test, a.C))
        print('held-out title agreement:', json.dumps(agreement), flush=True)
        rec = dict(fold=k, minutes=round((time.time() - start) / 60, 2), **settings, n_photos=len(rows), vocabulary=vocab, train_loss=losses, scores=recs,
                   title_agreement=agreement)
        (out/f'fold_{k}.json').write_text(json.dumps(rec, indent=1, default=str) + '\n')
        print(pd.DataFrame(recs).round(3).to_string(), f"\n{rec['minutes']} min", flush=True)

if __name__ == '__main__': main()
