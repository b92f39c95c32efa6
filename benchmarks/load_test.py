"""Load test of the prediction service on loopback: one photo per request, N concurrent clients, for a bounded time.

Starts `fashion_attrs.serve.serve` on 127.0.0.1 in a subprocess, measures the batch command's photos per second on
the same photos first (`predict_images`, the engine `fashion-attrs-predict` uses), then runs each client count for
`--duration` seconds (and at most `--max-requests` requests) and prints a markdown table: requests, errors,
p50/p95 latency, photos per second, and the server's resident memory at the start, the end and its peak.

    python benchmarks/load_test.py --model models/model.pkl --photos ../shared/flixstock-dev/images --clients 16 1
"""
import argparse, asyncio, os, socket, subprocess, sys, time
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parent.parent

def free_port()->int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def start_server(model:Path, port:int, extra:str='')->subprocess.Popen:
    "The service on 127.0.0.1:`port` in a subprocess, once it answers /health (at most 120 s)."
    import httpx
    code = f"from fashion_attrs.serve import serve; serve({str(model)!r}, host='127.0.0.1', port={port}{extra})"
    proc = subprocess.Popen([sys.executable, '-c', code])
    for _ in range(600):
        if proc.poll() is not None: sys.exit(f"the server exited with status {proc.returncode}")
        try:
            if httpx.get(f'http://127.0.0.1:{port}/health', timeout=1).json()['status'] == 'ok': return proc
        except httpx.HTTPError: pass
        time.sleep(0.2)
    proc.terminate(); sys.exit('the server did not answer /health within 120 s')

def batch_photos_per_second(model:Path, photos:list[Path], engine:str|None)->tuple[float, str]:
    "Photos per second of `predict_images` (the batch command's path) on `photos`, after one warm-up batch; and the engine."
    from fashion_attrs.inference import open_engine, predict_images
    eng = open_engine(model, **({'engine': engine} if engine else {}))
    predict_images(eng, photos[:16])
    start = time.perf_counter(); predict_images(eng, photos, bs=16)
    return len(photos) / (time.perf_counter() - start), repr(eng)

async def run_clients(url:str, photos:list[tuple[str, bytes]], clients:int, duration:float, max_requests:int, pid:int)->dict:
    "Each client posts one photo per request, in turn, until `duration` s or `max_requests` requests in all."
    import httpx, psutil
    proc,rss = psutil.Process(pid),[]
    latencies,statuses,sent = [],{},0
    deadline = time.perf_counter() + duration
    async def client(k:int):
        nonlocal sent
        async with httpx.AsyncClient(base_url=url, timeout=30) as c:
            i = k
            while time.perf_counter() < deadline and sent < max_requests:
                sent += 1
                name,data = photos[i % len(photos)]; i += clients
                t = time.perf_counter()
                try: status = (await c.post('/predict', files=[('files', (name, data, 'image/jpeg'))])).status_code
                except httpx.HTTPError as e: status = type(e).__name__
                latencies.append(time.perf_counter() - t); statuses[status] = statuses.get(status, 0) + 1
    async def watch_memory():
        while time.perf_counter() < deadline and sent < max_requests:
            rss.append(proc.memory_info().rss); await asyncio.sleep(1)
    start = time.perf_counter()
    await asyncio.gather(watch_memory(), *[client(k) for k in range(clients)])
    elapsed = time.perf_counter() - start
    rss.append(proc.memory_info().rss)
    ok = statuses.get(200, 0); lat = np.array(latencies) * 1000
    return dict(clients=clients, requests=len(latencies), errors=len(latencies) - ok, statuses=statuses, seconds=elapsed,
                p50=float(np.percentile(lat, 50)), p95=float(np.percentile(lat, 95)), photos_per_s=ok / elapsed,
                rss_start=rss[0] / 2**20, rss_end=rss[-1] / 2**20, rss_peak=max(rss) / 2**20)

def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--model', type=Path, required=True, help='an exported fashion_attrs model (.pkl)')
    p.add_argument('--photos', type=Path, default=ROOT.parent/'shared'/'flixstock-dev'/'images', help='a folder of photos (read, never copied)')
    p.add_argument('--n-photos', type=int, default=256, help='photos used, the first in name order')
    p.add_argument('--clients', type=int, nargs='+', default=[16, 1], help='concurrent clients, one run each')
    p.add_argument('--duration', type=float, default=60, help='seconds per run')
    p.add_argument('--max-requests', type=int, default=20000, help='requests per run at most')
    p.add_argument('--engine', default=None, help="engine name for open_engine; its default otherwise")
    a = p.parse_args()
    if a.duration > 300: sys.exit('--duration: at most 300 s')
    photos = sorted(q for q in a.photos.iterdir() if q.suffix.lower() in ('.jpg', '.jpeg', '.png'))[:a.n_photos]
    if not photos: sys.exit(f'{a.photos}: no photos')
    batch,engine = batch_photos_per_second(a.model, photos, a.engine)
    port = free_port(); url = f'http://127.0.0.1:{port}'
    proc = start_server(a.model, port, f', engine={a.engine!r}' if a.engine else '')
    try:
        data = [(q.name, q.read_bytes()) for q in photos]
        rows = [asyncio.run(run_clients(url, data, c, a.duration, a.max_requests, proc.pid)) for c in a.clients]
    finally:
        proc.terminate(); proc.wait(10)
    print(f"\n{len(photos)} photos from {a.photos}, {engine}, {os.cpu_count()} cores; "
          f"batch command (predict_images, bs 16): {batch:.1f} photos/s\n")
    print('| clients | seconds | requests | errors | p50 ms | p95 ms | photos/s | vs batch | server RSS start / end / peak MB |')
    print('|---|---|---|---|---|---|---|---|---|')
    for r in rows:
        print(f"| {r['clients']} | {r['seconds']:.0f} | {r['requests']} | {r['errors']} | {r['p50']:.1f} | {r['p95']:.1f} | "
              f"{r['photos_per_s']:.1f} | {r['photos_per_s'] / batch:.0%} | {r['rss_start']:.0f} / {r['rss_end']:.0f} / {r['rss_peak']:.0f} |")
    bad = {k: v for r in rows for k,v in r['statuses'].items() if k != 200}
    if bad: print(f"\nnon-200 answers: {bad}")

if __name__ == '__main__': main()
