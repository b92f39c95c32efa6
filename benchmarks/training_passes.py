"""Per-photo time of the default's training passes, in process, on the first photos of a data set. Each timing is the
faster of two rounds after a warm-up call; the end-to-end figure users wait for is `time fashion-attrs-train`, not this.

- the lower stages' pass that caches the maps: torch, torch channels-last, onnxruntime through `OnnxModule` (as
  training runs it), with how far each differs from torch's usual pass;
- the one-row phases' pass through the frozen top stages and the head's pooling: torch, and onnxruntime as
  `frozen_features` runs it;
- one top-stage training step over cached maps of both views (a bare loop, AdamW): torch's usual memory order,
  channels-last weights (as training runs it), each under CPU bfloat16 autocast, channels-last at batch sizes 32 and 64,
  and (`--compile`) under `torch.compile`, its compile time apart; the channels-last step split into forward,
  backward and optimiser step;
- a top-stage epoch as `tune_top_stages` runs it (fastai's `fit` over `MirroredMaps`, `KeepEvalMode`, `ChannelsLast`,
  fastai's optimiser) and its loader alone.

Usage: python benchmarks/training_passes.py DATA [--photos 96] [--threads 2] [--compile]"""
import argparse, copy, os, time, warnings
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, pandas as pd, torch
from torch import nn
from fastai.vision.all import DataLoaders, Learner, ChannelsLast, params
from fashion_attrs.data import read_dataset
from fashion_attrs.engine import OnnxModule
from fashion_attrs.model import attribute_metrics
from fashion_attrs.train import TrainConfig, build_learner, TopStages, top_stage_inputs, MirroredMaps, KeepEvalMode

def per_photo_ms(f, batches, n_photos:int, rounds:int=2)->float:
    "The faster of `rounds` passes of `f` over `batches` (`n_photos` photos in all), in ms per photo, after one warm-up call."
    f(batches[0]); best = float('inf')
    for _ in range(rounds):
        t = time.perf_counter()
        for b in batches: f(b)
        best = min(best, time.perf_counter() - t)
    return best / n_photos * 1000

def training_step(model:nn.Module, loss_func, maps:list, targets:list, fmt=torch.channels_last, bf16:bool=False, parts=None):
    "A function of a batch index: one AdamW step of `model` on `maps[i]` laid out as `fmt`, optionally under CPU bfloat16 autocast; with `parts` (an array of 3), forward, backward and step seconds added to it."
    opt = torch.optim.AdamW(model.parameters(), 1e-4)
    def step(i):
        x = maps[i].contiguous(memory_format=fmt); t0 = time.perf_counter()
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16): out = model(x)
        loss = loss_func(out.float(), targets[i]); t1 = time.perf_counter(); loss.backward(); t2 = time.perf_counter()
        opt.step(); opt.zero_grad()
        if parts is not None: parts[:] += np.array([t1 - t0, t2 - t1, time.perf_counter() - t2])
    return step

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('data'); ap.add_argument('--photos', type=int, default=96); ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--compile', action='store_true', help='also time the training step under torch.compile')
    a = ap.parse_args()
    torch.set_num_threads(a.threads); warnings.filterwarnings('ignore')
    cfg = TrainConfig()   # the default recipe: lite0 at 300x225, a crop view, blocks 5 on tuned
    table,_ = read_dataset(a.data); table = table.iloc[:a.photos + 16]
    splits = pd.DataFrame({'filename': table.filename, 'split': ['train'] * a.photos + ['valid'] * (len(table) - a.photos)})
    learn = build_learner(table, splits, cfg, path='/tmp/training_passes')
    dl = learn.dls.train.new(shuffle=False, drop_last=True)
    xs = [x.as_subclass(torch.Tensor) for x,_ in dl]; n = sum(len(x) for x in xs)
    top,pool = TopStages(learn.model[0], cfg.top_from),learn.model[1][0]
    top.eval(); low = top._lower[0].eval(); rows = []
    def row(what, how, ms, diff=float('nan')): rows.append(dict(what=what, how=how, ms_per_photo=ms, max_rel_diff=diff))
    with torch.no_grad():
        ref = torch.cat([low(x) for x in xs]); scale = ref.abs().max()
        def lower_row(how, f): row('lower stages, one view', how, per_photo_ms(f, xs, n), float((torch.cat([f(x) for x in xs]) - ref).abs().max() / scale))
        lower_row('torch', low)
        cl = copy.deepcopy(low).to(memory_format=torch.channels_last)
        lower_row('torch channels-last', lambda x: cl(x.contiguous(memory_format=torch.channels_last)))
        lower_row('onnxruntime (OnnxModule)', OnnxModule(low, threads=a.threads))
    plain,mirrored,y = top_stage_inputs(top, dl, stages=OnnxModule(low, threads=a.threads))   # both views' maps of each photo and its mirror image, float16, as the tuning caches them
    chunks = list(plain.float().split(64))   # as `frozen_features` passes them
    with torch.no_grad():
        torch_pass = lambda b: pool(top(b)); ref = torch.cat([torch_pass(b) for b in chunks])
        row('frozen top stages + pooling', 'torch', per_photo_ms(torch_pass, chunks, n), 0.)
        run = OnnxModule(nn.Sequential(top, pool).eval(), threads=a.threads); run(chunks[0])   # the export apart
        row('frozen top stages + pooling', 'onnxruntime (OnnxModule)', per_photo_ms(run, chunks, n), float((torch.cat([run(b) for b in chunks]) - ref).abs().max() / ref.abs().max()))
    model = nn.Sequential(top, learn.model[1]).eval(); top.requires_grad_(True)
    start = copy.deepcopy(model.state_dict())
    def step_row(how, bs=cfg.bs, fmt=torch.channels_last, bf16=False, net=None):
        model.load_state_dict(start); model.to(memory_format=fmt)
        maps,ys = list(plain.float().split(bs)),list(y.split(bs))
        row('top-stage training step, both views', how, per_photo_ms(training_step(net or model, learn.loss_func, maps, ys, fmt, bf16), range(len(maps)), n))
        return maps,ys
    step_row('torch', fmt=torch.contiguous_format)
    step_row('torch bfloat16 autocast', fmt=torch.contiguous_format, bf16=True)
    maps,ys = step_row('torch channels-last weights (as training runs it)')
    parts = np.zeros(3); step = training_step(model, learn.loss_func, maps, ys, parts=parts)
    for i in range(len(maps)): step(i)
    for how,v in zip(('forward', 'backward', 'optimiser step'), parts): row('the channels-last step, split', how, v / n * 1000)
    step_row('channels-last, bfloat16 autocast', bf16=True)
    for bs in (32, 64): step_row(f'channels-last, bs {bs}', bs=bs)
    if a.compile:
        model.load_state_dict(start); model.to(memory_format=torch.channels_last); compiled = torch.compile(model)
        t = time.perf_counter(); training_step(compiled, learn.loss_func, maps, ys)(0); print(f'torch.compile and its first step: {time.perf_counter() - t:.0f} s')
        step_row('channels-last under torch.compile', net=compiled)
    model.load_state_dict(start)
    tl = Learner(DataLoaders.from_dsets(MirroredMaps(plain, mirrored, y), [], bs=cfg.bs, num_workers=0), model, loss_func=learn.loss_func,
                 metrics=attribute_metrics(learn.loss_func.layout), wd=cfg.wd, cbs=[KeepEvalMode(), ChannelsLast()], splitter=lambda m: [params(m[0]), params(m[1])])
    lrs = np.array([1e-5, 1e-5])   # the weights barely move between the rounds
    with tl.no_bar(), tl.no_logging():
        row('top-stage epoch as tune_top_stages runs it', "fastai's fit_one_cycle", per_photo_ms(lambda _: tl.fit_one_cycle(1, lrs), [None], n))
        row('top-stage epoch as tune_top_stages runs it', 'its loader alone', per_photo_ms(lambda _: list(tl.dls.train), [None], n))
    print(f"{n} photos of {a.data}, {a.threads} thread(s), torch {torch.__version__}")
    print(pd.DataFrame(rows).to_string(index=False, float_format='%.3g'))

if __name__ == '__main__': main()
