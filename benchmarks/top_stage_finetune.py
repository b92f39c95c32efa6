"""Fine-tuning only the top stages of the backbone, after a linear probe (LP-FT), through the same 5 folds.

Every recipe that trained the whole network scored below the ImageNet body with a logistic regression on its
features. This asks whether the last stages alone, started from that regression, gain: the lower blocks stay frozen
(their outputs are cached once, for the photo and its mirror image, so an epoch costs seconds), the blocks from
`--cut` on, the last 1x1 convolution and its batch norm train (batch-norm statistics kept) with the head, whose
weights start as the per-attribute class-balanced logistic regression (C 0.003, standardisation folded in) that the
reference fits. Loss: per-attribute softmax cross-entropy over the labelled rows with the regression's 'balanced'
class weights; AdamW, one cycle; each step sees every training photo once, plain or mirrored at random. The held-out
fold is scored (the average of the photo's and its mirror image's probabilities) before the first epoch, which is the
reference regression itself, after every epoch, and once more with the regression refitted on the tuned stages'
features (reported as epoch -1). The held-out fold never chooses anything: the epochs are
reported side by side, and a recipe is the whole row of one epoch count fixed in advance.

Usage: python benchmarks/top_stage_finetune.py ../shared/flixstock-dev --cache runs/top_stage/b3.npz --cut 5 --lr 1e-3 --head-lr 1e-3 --epochs 6 --out RESULT.json
Then: python benchmarks/cv_table.py --cv "tuned=RESULT.json@6" "refit=RESULT.json@-1"
"""
import argparse, copy, json, os, tempfile, time
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, pandas as pd, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.metrics import f1_score
from fashion_attrs.data import read_dataset
from fashion_attrs.train import ONE_VIEW, TrainConfig, build_learner, regression_head_weights
from fashion_attrs.cv import cv_folds
from fashion_attrs.model import OutputLayout, class_weights

ATTRS = ['neck', 'sleeve_length', 'pattern']
CACHED = 4   # the cache holds the input of blocks[CACHED] (the output of blocks 0-3: stride 16, 80 channels)

def imagenet_net(table, config):
    "The timm EfficientNet of the project's learner (ImageNet weights) and a loader of the photos, normalised as the learner does."
    with tempfile.TemporaryDirectory() as tmp:
        learn = build_learner(table, table[['filename']].assign(split='train'), config, path=tmp)
    return learn.model[0].model.eval(), learn.dls.test_dl(table, rm_type_tfms=0, bs=32, num_workers=0)

def lower_maps(net, dl):
    "The input of `net.blocks[CACHED]` for every photo, plain and mirrored: two float16 arrays (n, c, h, w)."
    plain,mirrored = [],[]
    stem = lambda x: net.blocks[:CACHED](net.bn1(net.conv_stem(x)))
    with torch.no_grad():
        for (xb,) in dl:
            plain.append(stem(xb).half()); mirrored.append(stem(xb.flip(3)).half())
    return torch.cat(plain).numpy(), torch.cat(mirrored).numpy()

class Top(nn.Module):
    "Blocks from `cut` on, the last 1x1 convolution and batch norm, average pool, and one linear layer over every attribute's classes."
    def __init__(self, net, cut:int, n_out:int):
        super().__init__()
        self.blocks,self.conv_head,self.bn2 = copy.deepcopy(net.blocks[cut:]),copy.deepcopy(net.conv_head),copy.deepcopy(net.bn2)
        self.head = nn.Linear(net.conv_head.out_channels, n_out)
        self.requires_grad_(True)   # the learner froze its body
    def features(self, x): return self.bn2(self.conv_head(self.blocks(x))).mean((2, 3))
    def forward(self, x): return self.head(self.features(x))

def batches(x, bs):
    for i in range(0, len(x), bs): yield torch.from_numpy(x[i:i+bs]).float()

def pooled(top, maps, bs=64):
    with torch.no_grad(): return torch.cat([top.features(b) for b in batches(maps, bs)]).numpy()

def probs(top, maps, bs=64):
    with torch.no_grad(): return torch.cat([top(b) for b in batches(maps, bs)])

def held_out_scores(logits_plain, logits_mirrored, y, test, spans, maj):
    "Per attribute: macro-F1 and accuracy on the held-out labelled rows of the average of both views' probabilities."
    rec = {}
    for a,(s,e) in spans.items():
        p = (logits_plain[:, s:e].softmax(1) + logits_mirrored[:, s:e].softmax(1)).argmax(1).numpy()
        known = ~np.isnan(y[a][test]); t = y[a][test][known].astype(int)   # logits are of the held-out rows only
        rec[a] = dict(macro_f1=f1_score(t, p[known], average='macro', zero_division=0), accuracy=float((t == p[known]).mean()),
                      majority_macro_f1=f1_score(t, np.full_like(t, maj[a]), average='macro', zero_division=0))
    return rec

def fit_head(top, maps_plain, maps_mirrored, y, spans, C):
    "Make `top`'s head the project's class-balanced regressions (`regression_head_weights`) on the average of both views' pooled features, standardisation folded into the weights."
    f = (pooled(top, maps_plain) + pooled(top, maps_mirrored)) / 2
    onehot = np.zeros((len(f), top.head.out_features))
    for a,(s0,e0) in spans.items():
        k = ~np.isnan(y[a]); onehot[np.flatnonzero(k), s0 + y[a][k].astype(int)] = 1
    mean,var,W,b = regression_head_weights(f, onehot, [slice(s0, e0) for s0,e0 in spans.values()], C)
    W = W / np.sqrt(var + 1e-5)
    with torch.no_grad():
        top.head.weight.copy_(torch.tensor(W, dtype=torch.float32)); top.head.bias.copy_(torch.tensor(b - W @ mean, dtype=torch.float32))

def run_fold(net, table, lower_p, lower_m, y, test, cut, epochs, lr, head_lr, wd, C, bs, seed):
    "The regression reference, then `epochs` epochs of the top stages and head from it, then the regression refitted on the tuned stages' features: held-out scores after each (index 0: the regression; last: the refit)."
    torch.manual_seed(seed); rng = np.random.default_rng(seed)
    layout = OutputLayout()   # the attributes' blocks, as the model's (no specific output)
    spans = {a: (layout.slices[a].start, layout.slices[a].stop) for a in ATTRS}
    top = Top(net, cut, layout.n_out).eval()   # batch-norm statistics kept (eval mode; no dropout in these blocks)
    tr = ~test
    weights = class_weights(table[tr], layout, 1.)   # scikit-learn's 'balanced', as the regression's
    maj = {a: int(table[a][tr].mode().iloc[0]) for a in ATTRS}
    fit = lambda: fit_head(top, lower_p[tr], lower_m[tr], {a: v[tr] for a,v in y.items()}, spans, C)
    score = lambda: held_out_scores(probs(top, lower_p[test]), probs(top, lower_m[test]), y, test, spans, maj)
    fit(); curve = [score()]
    idx = np.flatnonzero(tr)
    ytr = {a: torch.tensor(np.nan_to_num(y[a][tr], nan=-1).astype(int)) for a in ATTRS}
    body_params = [p for n,p in top.named_parameters() if not n.startswith('head.')]
    opt = torch.optim.AdamW([dict(params=body_params, lr=lr), dict(params=top.head.parameters(), lr=head_lr)], weight_decay=wd)
    steps = epochs * -(-len(idx) // bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[lr, head_lr], total_steps=steps, pct_start=0.25) if steps else None
    for ep in range(epochs):
        order = rng.permutation(len(idx)); mirror = rng.random(len(idx)) < 0.5
        for i in range(0, len(order), bs):
            j = order[i:i+bs]; rows = idx[j]
            x = torch.from_numpy(np.where(mirror[j, None, None, None], lower_m[rows], lower_p[rows])).float()
            out = top(x); loss = 0.
            for a,(s0,e0) in spans.items():
                t = ytr[a][j]; k = t >= 0
                if k.any(): loss = loss + F.cross_entropy(out[k, s0:e0], t[k], weight=weights[s0:e0], reduction='sum') / len(j)
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        curve.append(score())
    if epochs:   # the tuned stages as a feature extractor: the regression fitted again on their features
        fit(); curve.append(score())
    return curve

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('data'); p.add_argument('--cache', required=True, help='npz of the lower blocks\' outputs (made on first use)')
    p.add_argument('--cut', type=int, default=5, help=f'first trainable block ({CACHED}-7; 7: only the last 1x1 convolution)')
    p.add_argument('--epochs', type=int, default=6); p.add_argument('--lr', type=float, default=1e-4)
    p.add_argument('--head-lr', type=float, default=None, help='default: --lr'); p.add_argument('--wd', type=float, default=0.01)
    p.add_argument('--C', type=float, default=0.003); p.add_argument('--bs', type=int, default=32); p.add_argument('--seed', type=int, default=0)
    p.add_argument('--folds', type=int, nargs='+', default=[0, 1, 2, 3, 4]); p.add_argument('--out')
    a = p.parse_args()
    start = time.time(); torch.set_num_threads(os.cpu_count())
    config = TrainConfig(augment=False, **ONE_VIEW)
    table,_ = read_dataset(a.data)
    folds = cv_folds(table, config, 5).set_index('filename').fold.reindex(table.filename).to_numpy()
    net,dl = imagenet_net(table, config)
    cache = Path(a.cache)
    if cache.exists():
        z = np.load(cache)
        if z['filename'].tolist() != table.filename.tolist(): raise SystemExit(f"{cache}: maps of other photos; delete it")
        lower_p,lower_m = z['plain'],z['mirrored']
    else:
        lower_p,lower_m = lower_maps(net, dl); cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, plain=lower_p, mirrored=lower_m, filename=table.filename.to_numpy(str))
        print(f'cached {lower_p.shape} x2 in {time.time() - start:.0f} s', flush=True)
    with torch.no_grad():   # frozen blocks between the cache and the cut
        lower_p,lower_m = [torch.cat([net.blocks[CACHED:a.cut](b).half() for b in batches(m, 64)]).numpy() if a.cut > CACHED else m
                           for m in (lower_p, lower_m)]
    y = {k: table[k].to_numpy(dtype=float, na_value=np.nan) for k in ATTRS}
    recs = []
    for k in a.folds:
        t0 = time.time()
        curve = run_fold(net, table, lower_p, lower_m, y, folds == k, a.cut, a.epochs, a.lr, a.head_lr or a.lr, a.wd, a.C, a.bs, a.seed)
        for ep,r in enumerate(curve):   # the refit is reported as epoch -1
            recs += [dict(fold=int(k), epoch=ep if ep <= a.epochs else -1, attribute=att, **v) for att,v in r.items()]
        print(f'fold {k}: ' + ' '.join(f'{np.mean([v["macro_f1"] for v in r.values()]):.3f}' for r in curve), f'({time.time() - t0:.0f} s)', flush=True)
    df = pd.DataFrame(recs)
    per_fold = df.groupby(['epoch', 'fold']).macro_f1.mean().unstack()
    table_ = df.groupby(['epoch', 'attribute']).macro_f1.agg(['mean', 'std']).unstack().round(3)
    print(table_.to_string()); print('mean over attributes, per fold\n', per_fold.round(3).to_string())
    print('mean ± sd:', ', '.join(f'epoch {e}: {r.mean():.3f} ± {r.std():.3f}' for e,r in per_fold.iterrows()))
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(dict(args=vars(a), minutes=round((time.time() - start) / 60, 2), scores=recs), indent=1) + '\n')

if __name__ == '__main__': main()
