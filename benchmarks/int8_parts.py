"""Where does int8 change a model's answers? Quantizes a graph from `export_onnx` whole and part by part through
`engine.quantize_onnx` (its `quantized` choice of nodes), calibrated on every other one of the first photos of a
folder, and prints, for the other photos, the share of answers per attribute that differ from float32's.

Usage: python benchmarks/int8_parts.py MODEL.onnx PHOTOS_DIR [--n 160] [--calibration 48]   (benchmarks/README.md, stop 37)"""
import argparse, glob, os, tempfile
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, onnx, onnxruntime as ort
from PIL import Image
from fashion_attrs.engine import OnnxEngine, to_pixels, quantize_onnx, BODY_NODES

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('model'); p.add_argument('photos'); p.add_argument('--n', type=int, default=160); p.add_argument('--calibration', type=int, default=48)
    a = p.parse_args()
    eng = OnnxEngine(a.model)
    pix = np.stack([to_pixels(Image.open(f).convert('RGB'), eng.spec) for f in sorted(glob.glob(f'{a.photos}/*.jpg'))[:a.n]])
    cal,test = pix[::2][:a.calibration],pix[1::2]
    ref = eng.layout.decode(eng(test))[0]
    parts = {'whole graph': lambda n: True, 'body only': lambda n: n.startswith(BODY_NODES),
             'outside the body only': lambda n: not n.startswith(BODY_NODES)}
    if any('/tops.' in n.name for n in onnx.load(a.model).graph.node):   # members (`train.MemberTops`): their lower stages and top stages apart
        parts |= {'lower stages only': lambda n: '/lower' in n, 'top stages only': lambda n: '/tops.' in n}
    print(f"{a.model}: {len(test)} photos, calibrated on {len(cal)}; share of answers that differ from float32's")
    with tempfile.TemporaryDirectory() as d:
        for name,inside in parts.items():
            q = quantize_onnx(a.model, Path(d)/'q.onnx', [cal[i:i+8] for i in range(0, len(cal), 8)], quantized=inside)
            codes = eng.layout.decode(ort.InferenceSession(str(q)).run(None, {'image': test})[0])[0]
            print(f"{name:24s} " + '  '.join(f"{att} {v:.3f}" for att,v in zip(eng.layout.schema.names, (codes != ref).mean(0))), flush=True)

if __name__ == '__main__': main()
