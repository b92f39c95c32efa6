"""Inference speed on this CPU, in one run: a naive `learn.predict` loop, the batched `predict_images` helper, the same
fastai batches through PyTorch (`batch_probs`) and through the model exported to ONNX and run with onnxruntime, and
single-image latency; with the model's parameters and FLOPs, and how closely ONNX's probabilities match PyTorch's.
Every timed path has a warm-up first; throughput paths include reading and preprocessing the images.

Usage: python benchmarks/speed.py --model MODEL.pkl --images DIR [--n 256] [--bs 64] [--naive-n 64] [--repeats 15]
       [--threads N] [--out benchmarks/results]"""
import argparse, json, os, platform, statistics, tempfile, time, warnings
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, torch, onnxruntime as ort
from torch.utils.flop_counter import FlopCounterMode
from fastai.learner import load_learner
from fashion_attrs.data import inspect_image
from fashion_attrs.inference import load_model, image_sources, predict_images
from fashion_attrs.model import batch_probs

def readable_images(src, n:int)->list[Path]:
    "The first `n` files in `src` that decode as images."
    res = []
    for p in map(Path, image_sources(src).path):
        if inspect_image(p)['problem'] is None: res.append(p)
        if len(res) == n: break
    return res

def timed(fn, warmup)->tuple[float, object]:
    "Seconds one call of `fn` takes after one call of `warmup`, and its result."
    warmup()
    start = time.perf_counter(); res = fn()
    return time.perf_counter() - start, res

def median_ms(fn, repeats:int)->float:
    "Median milliseconds of `repeats` calls of `fn`, after one warm-up call."
    fn(); times = []
    for _ in range(repeats):
        start = time.perf_counter(); fn(); times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)

def first_batch(learn, paths, bs:int)->torch.Tensor:
    "The first preprocessed input batch of `paths`, as a plain tensor."
    return learn.dls.test_dl(paths[:bs], rm_type_tfms=0, bs=bs, num_workers=0).one_batch()[0].as_subclass(torch.Tensor)

def model_size(model, x1:torch.Tensor)->dict:
    "Parameters, and FLOPs of one image (`FlopCounterMode`: 2 per multiply-add, convolutions and matmuls only)."
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad(): model.eval()(x1)
    flops = counter.get_total_flops()
    return dict(params=sum(p.numel() for p in model.parameters()), flops=flops, macs=flops // 2)

def export_onnx(model, x:torch.Tensor, f:Path)->list[str]:
    "Export `model` in eval mode to `f` with a dynamic batch axis; the distinct warnings the exporter gave."
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter('always')
        torch.onnx.export(model.eval(), (x,), str(f), dynamo=False, opset_version=17,  # the dynamo exporter needs onnxscript
                          input_names=['image'], output_names=['logits'],
                          dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}})
    return sorted({f'{w.category.__name__}: {str(w.message).splitlines()[0][:160]}' for w in ws})

def onnx_session(f:Path, threads:int)->ort.InferenceSession:
    "An onnxruntime CPU session on `f` using `threads` threads, like torch."
    opts = ort.SessionOptions(); opts.intra_op_num_threads,opts.inter_op_num_threads = threads,1
    return ort.InferenceSession(str(f), opts, providers=['CPUExecutionProvider'])

def onnx_probs(learn, sess, paths, bs:int)->np.ndarray:
    "Probabilities for `paths`: fastai's `test_dl` batches, onnxruntime's forward, the loss's activation."
    dl = learn.dls.test_dl(paths, rm_type_tfms=0, bs=bs, num_workers=0)
    logits = np.concatenate([sess.run(None, {'image': xb.numpy()})[0] for xb, in dl])
    return learn.loss_func.activation(torch.from_numpy(logits)).numpy()

def row(path:str, n:int, bs:int, seconds:float)->dict:
    "One throughput result: images per second and milliseconds per image."
    return dict(path=path, images=n, bs=bs, seconds=seconds, img_per_s=n / seconds, ms_per_img=1000 * seconds / n)

def markdown(r:dict)->str:
    "The results as markdown: the set-up, the throughput table, model-only forward times, size and agreement."
    s,c = r['setup'],r['agreement']
    lines = [f"Model `{s['model']}`, input {s['input_size']}, {s['n']} images, batch size {s['bs']}; torch {s['torch']}, "
             f"onnxruntime {s['onnxruntime']}, {s['cpus']} CPUs, {s['threads']} threads (torch and onnxruntime), {s['machine']}.", '',
             '| path | images | batch size | seconds | images/s | ms/image | × naive |', '|---|---|---|---|---|---|---|']
    naive = r['paths'][0]['img_per_s']
    lines += [f"| {p['path']} | {p['images']} | {p['bs']} | {p['seconds']:.3f} | {p['img_per_s']:.1f} | {p['ms_per_img']:.1f} | "
              f"{p['img_per_s'] / naive:.1f} |" for p in r['paths']]
    lines += ['', 'Model-only forward, median ms per batch:', '',
              '| batch | PyTorch ms, as exported | PyTorch ms, channels-last (`load_model`) | onnxruntime ms | '
              'exported / channels-last | channels-last / onnxruntime |', '|---|---|---|---|---|---|']
    lines += [f"| {m['batch']} | {m['torch_plain_ms']:.1f} | {m['torch_ms']:.1f} | {m['onnx_ms']:.1f} | "
              f"{m['torch_plain_ms'] / m['torch_ms']:.2f} | {m['torch_ms'] / m['onnx_ms']:.2f} |" for m in r['model_only']]
    z = r['size']
    lines += ['', f"Parameters: {z['params']:,}. Per image at {s['input_size'][1:]}: {z['flops'] / 1e9:.3f} GFLOPs = "
              f"{z['macs'] / 1e9:.3f} G multiply-adds (convolutions and matmuls, torch `FlopCounterMode`). ONNX file {z['onnx_mb']:.1f} MB.",
              f"ONNX vs PyTorch on {c['images']} images: largest probability difference {c['max_abs_prob_diff']:.2e}; decoded classes "
              f"{'agree on every image' if c['images_disagreeing'] == 0 else 'differ on ' + str(c['images_disagreeing']) + ' images'}."]
    if r['export_warnings']: lines += ['', 'ONNX export warnings:', ''] + [f'- {w}' for w in r['export_warnings']]
    return '\n'.join(lines) + '\n'

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--model', required=True); p.add_argument('--images', required=True)
    p.add_argument('--n', type=int, default=256); p.add_argument('--bs', type=int, default=64)
    p.add_argument('--naive-n', type=int, default=64, help='images for the slow learn.predict loop (at most --n)')
    p.add_argument('--repeats', type=int, default=15, help='repeats of each single-image and model-only timing')
    p.add_argument('--threads', type=int, default=None, help="torch and onnxruntime threads (default: torch's)")
    p.add_argument('--out', default='benchmarks/results')
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    threads = torch.get_num_threads()
    learn = load_model(a.model)   # the helper's learner, weights in channels-last order
    with warnings.catch_warnings():
        warnings.simplefilter('ignore'); naive = load_learner(a.model)   # as a user would load it
    paths = readable_images(a.images, a.n)
    if not paths: raise SystemExit(f'{a.images}: no readable images')
    n,bs,naive_n = len(paths),a.bs,min(len(paths), a.naive_n)
    xb = first_batch(learn, paths, bs); x1 = xb[:1]
    size = model_size(learn.model, x1)
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp)/'model.onnx'
        export_warnings = export_onnx(learn.model, xb, f)
        sess = onnx_session(f, threads); size['onnx_mb'] = f.stat().st_size / 2**20
    one = paths[:1]
    with learn.no_bar(), naive.no_bar():
        t_naive,_ = timed(lambda: [naive.predict(q) for q in paths[:naive_n]], lambda: naive.predict(paths[0]))
        t_helper,_ = timed(lambda: predict_images(learn, paths, bs=bs), lambda: predict_images(learn, paths[:bs], bs=bs))
        t_torch,pt = timed(lambda: batch_probs(learn, paths, bs=bs).numpy(), lambda: batch_probs(learn, paths[:bs], bs=bs))
        t_onnx,po = timed(lambda: onnx_probs(learn, sess, paths, bs), lambda: onnx_probs(learn, sess, paths[:bs], bs))
        ms_helper1 = median_ms(lambda: predict_images(learn, one, bs=1), a.repeats)
        ms_onnx1 = median_ms(lambda: onnx_probs(learn, sess, one, 1), a.repeats)
    model_only = []
    with torch.no_grad():
        for x in ([x1, xb] if len(xb) > 1 else [x1]):
            model_only.append(dict(batch=len(x), torch_ms=median_ms(lambda: learn.model(x), a.repeats),
                                   torch_plain_ms=median_ms(lambda: naive.model(x), a.repeats),
                                   onnx_ms=median_ms(lambda: sess.run(None, {'image': x.numpy()}), a.repeats)))
    layout = learn.loss_func.layout
    res = dict(
        setup=dict(model=str(a.model), images=str(a.images), n=n, bs=bs, input_size=list(xb.shape[1:]), torch=torch.__version__,
                   onnxruntime=ort.__version__, cpus=os.cpu_count(), threads=threads, machine=platform.processor() or platform.machine(),
                   time=time.strftime('%Y-%m-%d %H:%M:%S')),
        paths=[row('naive loop: load_learner + learn.predict per image', naive_n, 1, t_naive),
               row('predict_images (checks files, test_dl + get_preds)', n, bs, t_helper),
               row('batch_probs (PyTorch, test_dl + get_preds)', n, bs, t_torch),
               row('ONNX: test_dl + onnxruntime + activation', n, bs, t_onnx),
               row('single image: predict_images, bs=1 (median)', 1, 1, ms_helper1 / 1000),
               row('single image: ONNX, batch of 1 (median)', 1, 1, ms_onnx1 / 1000)],
        model_only=model_only, size=size, export_warnings=export_warnings,
        agreement=dict(images=n, max_abs_prob_diff=float(np.abs(po - pt).max()),
                       images_disagreeing=int((layout.decode(po)[0] != layout.decode(pt)[0]).any(1).sum())))
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    (out/'speed.json').write_text(json.dumps(res, indent=1))
    md = markdown(res); (out/'speed.md').write_text(md)
    print(md, f'\nwrote {out/"speed.json"} and {out/"speed.md"}', sep='')

if __name__ == '__main__': main()
