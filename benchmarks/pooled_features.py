"""Pooled ImageNet features of one backbone at one input size, for the logistic-regression comparisons of pooling and
size (benchmarks/README.md, stop 26): the last feature map average-pooled, max-pooled, GeM-pooled (p=3), average-pooled
in three horizontal bands (top, middle, bottom; concatenated), and the average and bands of the flipped photo.

Usage: python benchmarks/pooled_features.py ARCH HEIGHT WIDTH OUT.npz   (reads ../shared/flixstock-dev)"""
import sys, os, tempfile, numpy as np, torch, time
os.environ.setdefault('HF_HUB_OFFLINE','1')
from fashion_attrs.data import read_dataset
from fashion_attrs.train import ONE_VIEW, TrainConfig, build_learner
arch, h, w, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
t0=time.time()
table,_ = read_dataset('../shared/flixstock-dev')
with tempfile.TemporaryDirectory() as tmp:
    learn = build_learner(table, table[['filename']].assign(split='train'), TrainConfig(arch=arch, augment=False, size=[h,w], **ONE_VIEW), path=tmp)
body = learn.model[0].eval()
dl = learn.dls.test_dl(table, rm_type_tfms=0, bs=32, num_workers=0)
R = {k:[] for k in ['avg','max','gem','bands','flip','bands_flip']}
with torch.no_grad():
    for (xb,) in dl:
        for flip in [False, True]:
            f = body(xb.flip(3) if flip else xb)
            b = torch.stack([c.mean((2,3)) for c in f.tensor_split(3, dim=2)], 1).flatten(1)
            if flip: R['flip'].append(f.mean((2,3))); R['bands_flip'].append(b); continue
            R['avg'].append(f.mean((2,3))); R['max'].append(f.amax((2,3)))
            R['gem'].append(f.clamp(min=1e-6).pow(3).mean((2,3)).pow(1/3)); R['bands'].append(b)
np.savez(out, filename=table.filename.to_numpy(str), **{k:torch.cat(v).numpy() for k,v in R.items()})
print(out, f.shape, round(time.time()-t0), 's')
