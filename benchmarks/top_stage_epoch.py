"""Where a top-stage epoch's time goes on this CPU, and what onnxruntime saves on the frozen top stages' passes.

In-process supporting detail (the headline is the training command's time): the default recipe's learner on the first
`n` FlixStock photos, the lower stages' maps cached as `tune_top_stages` caches them, then
- the frozen top stages and the head's pooling over the maps, torch against onnxruntime (`engine.OnnxModule`);
- one epoch of the top stages' tuning through fastai's `fit`, the same steps in a bare loop, the loader alone,
  and the bare loop split into forward, backward and optimiser step;
- the bare loop at several batch sizes;
- the bare loop with the model under `torch.compile` (its compile time apart).

    python benchmarks/top_stage_epoch.py ../shared/flixstock-dev [--n 192] [--threads 2] [--compile]
"""
import argparse, os, time, warnings
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, pandas as pd, torch
from torch import nn
from fastai.vision.all import DataLoaders, Learner, ChannelsLast, params
from fashion_attrs.data import read_dataset
from fashion_attrs.model import attribute_metrics
from fashion_attrs.engine import OnnxModule
from fashion_attrs.train import TrainConfig, build_learner, TopStages, top_stage_inputs, MirroredMaps, KeepEvalMode

def per_photo(f, n): t = time.time(); f(); return (time.time() - t) / n * 1000

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('data'); p.add_argument('--n', type=int, default=192); p.add_argument('--threads', type=int, default=2)
    p.add_argument('--compile', action='store_true', help='also time the step under torch.compile')
    a = p.parse_args()
    torch.set_num_threads(a.threads); warnings.filterwarnings('ignore')
    cfg = TrainConfig()
    table,_ = read_dataset(a.data); table = table.iloc[:a.n]
    learn = build_learner(table, pd.DataFrame({'filename': table.filename, 'split': 'train'}), cfg, path='/tmp/top_stage_epoch')
    top,pool = TopStages(learn.model[0], cfg.top_from),learn.model[1][0]
    plain,mirrored,y = top_stage_inputs(top, learn.dls.train.new(shuffle=False, drop_last=False), stages=OnnxModule(top._lower[0]))
    n,rows = len(y),[]
    with torch.no_grad():
        ref = torch.cat([pool(top(b.float())) for b in plain.split(64)])
        rows.append(('frozen top stages + pooling', 'torch', per_photo(lambda: [pool(top(b.float())) for b in plain.split(64)], n), 0.))
    run = OnnxModule(nn.Sequential(top, pool).eval()); run(plain[:2].float())   # the export apart
    got = torch.cat([run(b.float()) for b in plain.split(64)])
    rows.append(('frozen top stages + pooling', 'onnxruntime', per_photo(lambda: [run(b.float()) for b in plain.split(64)], n), float((got - ref).abs().max() / ref.abs().max())))
    top.requires_grad_(True)
    def learner(bs):
        dls = DataLoaders.from_dsets(MirroredMaps(plain, mirrored, y), [], bs=bs, num_workers=0)
        return Learner(dls, nn.Sequential(top, learn.model[1]), loss_func=learn.loss_func, metrics=attribute_metrics(learn.loss_func.layout),
                       wd=cfg.wd, cbs=[KeepEvalMode(), ChannelsLast()], splitter=lambda m: [params(m[0]), params(m[1])])
    tl = learner(cfg.bs)
    tl.fit_one_cycle(1, np.array([1e-5, 1e-5]))   # warm-up, and the optimiser made
    with tl.no_bar(), tl.no_logging(): rows.append(('top-stage epoch', "fastai's fit", per_photo(lambda: tl.fit_one_cycle(1, np.array([1e-5, 1e-5])), n), np.nan))
    m,opt = tl.model.to(memory_format=torch.channels_last),tl.opt
    def loop(dl, model=m, parts=None):
        for xb,yb in dl:
            xb = xb.contiguous(memory_format=torch.channels_last); t0 = time.time()
            loss = tl.loss_func(model(xb), yb); t1 = time.time(); loss.backward(); t2 = time.time(); opt.step(); opt.zero_grad()
            if parts is not None: parts += np.array([t1 - t0, t2 - t1, time.time() - t2])
    rows.append(('top-stage epoch', f'bare loop, bs {cfg.bs}', per_photo(lambda: loop(tl.dls.train), n), np.nan))
    rows.append(('top-stage epoch', 'the loader alone', per_photo(lambda: list(tl.dls.train), n), np.nan))
    parts = np.zeros(3); loop(tl.dls.train, parts=parts)
    for name,v in zip(('forward', 'backward', 'optimiser step'), parts): rows.append(('top-stage epoch, bare loop', name, v / n * 1000, np.nan))
    for bs in (32, 64): rows.append(('top-stage epoch', f'bare loop, bs {bs}', per_photo(lambda: loop(learner(bs).dls.train), n), np.nan))
    if a.compile:
        cm = torch.compile(m); t = time.time(); loop([next(iter(tl.dls.train))], cm); print(f'torch.compile and its first step: {time.time() - t:.0f} s')
        rows.append(('top-stage epoch', f'bare loop under torch.compile, bs {cfg.bs}', per_photo(lambda: loop(tl.dls.train, cm), n), np.nan))
    print(f'{n} photos of {a.data}, {torch.get_num_threads()} thread(s), torch {torch.__version__}; the tuning at lr 1e-5, so the weights barely move between the timings')
    print(pd.DataFrame(rows, columns=['what', 'how', 'ms_per_photo', 'max_rel_diff']).to_string(index=False, formatters=dict(ms_per_photo='{:.1f}'.format, max_rel_diff='{:.1e}'.format)))

if __name__ == '__main__': main()
