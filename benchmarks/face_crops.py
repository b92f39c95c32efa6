"""Where is the collar? A crop anchored on the face that OpenCV's Haar cascade finds (frontal, else profile), for a
screen of the neck on frozen features: the box below the face, `--width` face-widths wide around its centre and from
`--top` to `--bottom` face-heights below its chin (the box's bottom edge), clipped to the photo; photos with no face
(back views often have none; flat shots) take the default crop view's box, the upper centre.

Two steps, as OpenCV 5 (the version the project's environment has, for grad-cam) no longer has the Haar cascades:
`boxes` runs under any Python with `opencv-python-headless<5` and Pillow and writes each photo's face (`filename,
x, y, w, h`, empty where none); `features` runs in the project's environment and writes lite0's pooled features of
each photo's crop and of its mirror image (`plain`, `flipped`, as `cv_references.py --features` keeps them), with an
image grid of the first crops.

Usage: OTHER_PYTHON benchmarks/face_crops.py boxes DATA --out runs/faces.csv
       python benchmarks/face_crops.py features DATA --faces runs/faces.csv --out runs/features/face_collar.npz [--grid G.png]"""
import argparse, os, sys, time
from pathlib import Path
import numpy as np
from PIL import Image

UPPER_CENTRE = (0.2, 0, 0.8, 0.6)   # `train.CHOSEN_CROP_VIEW`, written here so that `boxes` needs no project import (checked in `features`)

def boxes(a):
    import cv2, csv
    cascades = [cv2.CascadeClassifier(cv2.data.haarcascades + n) for n in ('haarcascade_frontalface_default.xml', 'haarcascade_profileface.xml')]
    files = sorted(p.name for p in (Path(a.data)/'images').iterdir() if p.suffix.lower() in ('.jpg', '.jpeg', '.png'))
    found = 0
    with open(a.out, 'w', newline='') as fh:
        w = csv.writer(fh); w.writerow(['filename', 'x', 'y', 'w', 'h'])
        for f in files:
            gray = np.asarray(Image.open(Path(a.data)/'images'/f).convert('L'))
            best = None
            for c in cascades:
                r = c.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(16, 16))
                if len(r): best = max(r, key=lambda b: b[2] * b[3]); break
            w.writerow([f] + (list(map(int, best)) if best is not None else [''] * 4)); found += best is not None
    print(f"{found} of {len(files)} photos had a face ({found / len(files):.1%}); wrote {a.out}")

def collar_box(size:tuple, f, width:float, top:float, bottom:float)->tuple:
    "The crop (left, top, right, bottom) in pixels of a photo of `size` (width, height) with face `f` (x, y, w, h) or None."
    W,H = size
    if f is None: l,t,r,b = UPPER_CENTRE; return (l * W, t * H, r * W, b * H)
    x,y,w,h = f; cx,chin = x + w / 2,y + h
    box = (max(0, cx - width * w / 2), max(0, chin + top * h), min(W, cx + width * w / 2), min(H, chin + bottom * h))
    return box if box[2] - box[0] >= 8 and box[3] - box[1] >= 8 else collar_box(size, None, width, top, bottom)   # a face at the photo's edge leaves no box below it

def features(a):
    os.environ.setdefault('HF_HUB_OFFLINE', '1')
    import tempfile, torch, pandas as pd
    from fashion_attrs.data import read_dataset
    from fashion_attrs.train import ONE_VIEW, TrainConfig, build_learner, CHOSEN_CROP_VIEW
    sys.path.insert(0, str(Path(__file__).parent)); from crop_features import pixels   # EfficientNet-Lite's input
    assert tuple(CHOSEN_CROP_VIEW) == UPPER_CENTRE, CHOSEN_CROP_VIEW
    start = time.time()
    table,_ = read_dataset(a.data)
    faces = pd.read_csv(a.faces).set_index('filename')
    with tempfile.TemporaryDirectory() as tmp:
        learn = build_learner(table, table[['filename']].assign(split='train'), TrainConfig(size=[300, 225], **ONE_VIEW), path=tmp)
    body = learn.model[0].eval()
    plain,flipped,shown = [],[],[]
    with torch.no_grad():
        for i in range(0, len(table), 32):
            crops = []
            for f in table.filename.iloc[i:i + 32]:
                im = Image.open(Path(a.data)/'images'/f).convert('RGB'); r = faces.loc[f]
                box = collar_box(im.size, None if pd.isna(r.x) else (r.x, r.y, r.w, r.h), a.width, a.top, a.bottom)
                crops.append(im.crop(tuple(map(int, box))).resize((a.size[1], a.size[0]), Image.BILINEAR))
            if len(shown) < 24: shown += crops[:24 - len(shown)]
            x = torch.stack([pixels(c) for c in crops])
            plain.append(body(x).mean((2, 3))); flipped.append(body(x.flip(3)).mean((2, 3)))
            print(f"\r{i + len(crops)}/{len(table)} photos, {time.time() - start:.0f} s", end='', flush=True)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    np.savez(a.out, plain=torch.cat(plain).numpy(), flipped=torch.cat(flipped).numpy(), filename=table.filename.to_numpy(str))
    print(f"\n{faces.x.notna().sum()} of {len(faces)} photos with a face; wrote {a.out}")
    if a.grid:
        g = Image.new('RGB', (a.size[1] * 6, a.size[0] * 4), 'white')
        for k,c in enumerate(shown): g.paste(c, ((k % 6) * a.size[1], (k // 6) * a.size[0]))
        g.save(a.grid)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='step', required=True)
    b = sub.add_parser('boxes'); b.add_argument('data'); b.add_argument('--out', required=True)
    f = sub.add_parser('features'); f.add_argument('data'); f.add_argument('--faces', required=True); f.add_argument('--out', required=True); f.add_argument('--grid')
    f.add_argument('--width', type=float, default=3.); f.add_argument('--top', type=float, default=-0.3); f.add_argument('--bottom', type=float, default=1.5)
    f.add_argument('--size', type=int, nargs=2, default=[224, 288], metavar=('HEIGHT', 'WIDTH'), help='each crop resized to this')
    a = ap.parse_args()
    boxes(a) if a.step == 'boxes' else features(a)

if __name__ == '__main__': main()
