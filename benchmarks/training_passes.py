"""Per-photo time of the default's two costly training passes, in process, on the first photos of a data set: the
lower stages' pass that caches the maps (torch as before, torch channels-last, onnxruntime through `OnnxModule`, as
training runs it now) and one top-stage training step over cached maps (torch's usual memory order, channels-last
weights as training runs it now), with how far each differs from torch's usual pass. Each timing is the faster of
two rounds, after a warm-up batch. The end-to-end figure users wait for is `time fashion-attrs-train`, not this.

Usage: python benchmarks/training_passes.py DATA [--photos 96] [--threads 2]"""
import argparse, copy, time
import pandas as pd, torch
from fashion_attrs.data import read_dataset
from fashion_attrs.engine import OnnxModule
from fashion_attrs.train import TrainConfig, build_learner, TopStages

def per_photo_ms(f, batches, n_photos:int, rounds:int=2)->float:
    "The faster of `rounds` passes of `f` over `batches` (`n_photos` photos in all), in ms per photo, after one warm-up call."
    f(batches[0]); best = float('inf')
    for _ in range(rounds):
        t = time.perf_counter()
        for b in batches: f(b)
        best = min(best, time.perf_counter() - t)
    return best / n_photos * 1000

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('data'); ap.add_argument('--photos', type=int, default=96); ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    cfg = TrainConfig()   # the default recipe: lite0 at 300x225, a crop view, blocks 5 on tuned
    table,_ = read_dataset(a.data); table = table.iloc[:a.photos + 16]
    splits = pd.DataFrame({'filename': table.filename, 'split': ['train'] * a.photos + ['valid'] * (len(table) - a.photos)})
    learn = build_learner(table, splits, cfg, path='/tmp/training_passes')
    batches = [(x.as_subclass(torch.Tensor), y) for x,y in learn.dls.train.new(shuffle=False, drop_last=True)]
    xs = [x for x,_ in batches]; n = sum(len(x) for x in xs)
    top = TopStages(learn.model[0], cfg.top_from); top.eval(); low = top._lower[0].eval()
    with torch.no_grad():
        ref = torch.cat([low(x) for x in xs])
        scale = ref.abs().max()
        def row(name, f):
            out = torch.cat([f(x) for x in xs])
            return dict(what='lower stages, one view', how=name, ms_per_photo=per_photo_ms(f, xs, n), max_rel_diff=float((out - ref).abs().max() / scale))
        rows = [row('torch', low)]
        cl = copy.deepcopy(low).to(memory_format=torch.channels_last)
        rows.append(row('torch channels-last', lambda x: cl(x.contiguous(memory_format=torch.channels_last))))
        rows.append(row('onnxruntime (OnnxModule)', OnnxModule(low, threads=a.threads)))
        maps = [top.lower(x) for x in xs]   # both views' maps, as the tuning reads them
    model = torch.nn.Sequential(top, learn.model[1]).eval(); top.requires_grad_(True)
    start = copy.deepcopy(model.state_dict())
    for name,fmt in [('torch', torch.contiguous_format), ('torch channels-last weights', torch.channels_last)]:
        model.load_state_dict(start); model.to(memory_format=fmt)
        opt = torch.optim.AdamW(model.parameters(), 1e-4)
        def step(i):
            loss = learn.loss_func(model(maps[i]), batches[i][1]); loss.backward(); opt.step(); opt.zero_grad()
        rows.append(dict(what='top-stage training step, both views', how=name, ms_per_photo=per_photo_ms(step, range(len(maps)), n), max_rel_diff=float('nan')))
    print(f"{n} photos of {a.data}, {a.threads} thread(s), torch {torch.__version__}")
    print(pd.DataFrame(rows).to_string(index=False, float_format='%.3g'))

if __name__ == '__main__': main()
