"""Pooled ImageNet features of the backbone's intermediate stages, for the logistic-regression comparison of
features taken before the last layer (benchmarks/README.md, stop 28): the outputs of blocks 2-6 of the EfficientNet
and of its head's last map (after `bn2`: the features the model's head sees), each average- and max-pooled, at
300x225 without flip. One pass of the body gives all of them, so using them would cost no extra prediction time.

Usage: python benchmarks/stage_features.py ARCH OUT.npz   (reads ../shared/flixstock-dev; rows in read_dataset's order)
Then e.g. python benchmarks/features_lr.py "head+b5=np.hstack([L('OUT.npz')['head_avg'], L('OUT.npz')['b5_avg']])" """
import sys, os, tempfile, time, numpy as np, torch
os.environ.setdefault('HF_HUB_OFFLINE', '1')
from fashion_attrs.data import read_dataset
from fashion_attrs.train import ONE_VIEW, TrainConfig, build_learner

def main():
    arch,out = sys.argv[1],sys.argv[2]
    start = time.time()
    table,_ = read_dataset('../shared/flixstock-dev')
    with tempfile.TemporaryDirectory() as tmp:
        learn = build_learner(table, table[['filename']].assign(split='train'), TrainConfig(arch=arch, **ONE_VIEW), path=tmp)
    net,maps = learn.model[0].model.eval(),{}
    def keep(name): return lambda mod, inp, outp: maps.__setitem__(name, outp)
    for i in range(2, len(net.blocks)): net.blocks[i].register_forward_hook(keep(f'b{i}'))
    net.bn2.register_forward_hook(keep('head'))
    res = {}
    with torch.no_grad():
        for (xb,) in learn.dls.test_dl(table, rm_type_tfms=0, bs=32, num_workers=0):
            net.forward_features(xb)
            for k,v in maps.items():
                res.setdefault(f'{k}_avg', []).append(v.mean((2, 3)).numpy()); res.setdefault(f'{k}_max', []).append(v.amax((2, 3)).numpy())
    np.savez(out, filename=table.filename.to_numpy(str), **{k: np.concatenate(v) for k,v in res.items()})
    print(out, {k: sum(len(p[0]) for p in v[:1]) for k,v in res.items()}, round(time.time() - start), 's')

if __name__ == '__main__': main()
