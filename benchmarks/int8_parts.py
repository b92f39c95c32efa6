"""Where does int8 change a model's answers? Quantizes a graph from `export_onnx` whole and part by part
(onnxruntime static QDQ, as `engine.quantize_onnx`), calibrated on every other one of the first photos of a folder,
and prints, for the other photos, the share of answers per attribute that differ from float32's.

Usage: python benchmarks/int8_parts.py MODEL.onnx PHOTOS_DIR [--n 160] [--calibration 48]   (benchmarks/README.md, stop 37)"""
import argparse, glob, os, tempfile
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
import numpy as np, onnx, onnxruntime as ort
from PIL import Image
from onnxruntime.quantization import quantize_static, CalibrationDataReader, QuantFormat, QuantType
from onnxruntime.quantization.shape_inference import quant_pre_process
from fashion_attrs.engine import OnnxEngine, to_pixels, BODY_NODES

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('model'); p.add_argument('photos'); p.add_argument('--n', type=int, default=160); p.add_argument('--calibration', type=int, default=48)
    a = p.parse_args()
    eng = OnnxEngine(a.model)
    pix = np.stack([to_pixels(Image.open(f).convert('RGB'), eng.spec) for f in sorted(glob.glob(f'{a.photos}/*.jpg'))[:a.n]])
    cal,test = pix[::2][:a.calibration],pix[1::2]
    ref = eng.layout.decode(eng(test))[0]
    class Reader(CalibrationDataReader):
        def __init__(self): self.it = iter([cal[i:i+8] for i in range(0, len(cal), 8)])
        def get_next(self): x = next(self.it, None); return None if x is None else {'image': np.ascontiguousarray(x)}
    with tempfile.TemporaryDirectory() as d:
        pre = Path(d)/'pre.onnx'; quant_pre_process(a.model, str(pre), auto_merge=True)
        names = [n.name for n in onnx.load(str(pre)).graph.node]
        parts = {'whole graph': lambda n: True, 'body only': lambda n: n.startswith(BODY_NODES),
                 'outside the body only': lambda n: not n.startswith(BODY_NODES)}
        if any('/tops.' in n for n in names):   # members (`train.MemberTops`): their lower stages and top stages apart
            parts |= {'lower stages only': lambda n: '/lower' in n, 'top stages only': lambda n: '/tops.' in n}
        print(f"{a.model}: {len(test)} photos, calibrated on {len(cal)}; share of answers that differ from float32's")
        for name,inside in parts.items():
            q = Path(d)/'q.onnx'
            quantize_static(str(pre), str(q), Reader(), quant_format=QuantFormat.QDQ, per_channel=True, activation_type=QuantType.QUInt8,
                            weight_type=QuantType.QInt8, nodes_to_exclude=[n for n in names if not inside(n)])
            codes = eng.layout.decode(ort.InferenceSession(str(q)).run(None, {'image': test})[0])[0]
            print(f"{name:24s} " + '  '.join(f"{att} {v:.3f}" for att,v in zip(eng.layout.schema.names, (codes != ref).mean(0))), flush=True)

if __name__ == '__main__': main()
