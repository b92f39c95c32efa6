"""ImageNet features of zoomed crops of each photo, for the logistic-regression comparison of views (benchmarks/README.md,
stop 27): the backbone's last feature map, average-pooled, of the upper centre (x 0.2-0.8, y 0-0.6 of the photo) and of
the centre (x 0.2-0.8, y 0.2-0.8), each crop resized to 300x225 (the photos' own size) as the whole photo is.

Usage: python benchmarks/crop_features.py ARCH OUT.npz [NAME=LEFT,TOP,RIGHT,BOTTOM ...]   (reads ../shared/flixstock-dev;
the rows in read_dataset's order; boxes given replace the two above, e.g. collar=0.25,0,0.75,0.45)
Then e.g. python benchmarks/features_lr.py "base+upper=np.hstack([L('lite0.npz')['plain'], L('OUT.npz')['upper']])" """
import os, sys, time, tempfile, numpy as np, torch
os.environ.setdefault('HF_HUB_OFFLINE', '1')
from PIL import Image
from fashion_attrs.data import read_dataset
from fashion_attrs.train import ONE_VIEW, TrainConfig, build_learner

BOXES = dict(upper=(.2, 0, .8, .6), centre=(.2, .2, .8, .8))   # left, top, right, bottom as fractions of the photo

def pixels(im:Image.Image)->torch.Tensor:
    "A 225x300 RGB photo as EfficientNet-Lite's input (mean = std = 0.5)."
    return (torch.from_numpy(np.asarray(im, dtype=np.float32) / 255.).permute(2, 0, 1) - 0.5) / 0.5

def main():
    arch,out = sys.argv[1],sys.argv[2]
    boxes = {k: tuple(map(float, v.split(','))) for k,v in (a.split('=') for a in sys.argv[3:])} or BOXES
    start,root = time.time(),'../shared/flixstock-dev'
    table,_ = read_dataset(root)
    with tempfile.TemporaryDirectory() as tmp:
        learn = build_learner(table, table[['filename']].assign(split='train'), TrainConfig(arch=arch, size=[300, 225], **ONE_VIEW), path=tmp)
    body,res = learn.model[0].eval(),{k: [] for k in boxes}
    with torch.no_grad():
        for i in range(0, len(table), 32):
            ims = [Image.open(f'{root}/images/{f}').convert('RGB') for f in table.filename.iloc[i:i+32]]
            for k,(l,t,r,b) in boxes.items():
                crops = [im.crop((int(l*im.width), int(t*im.height), int(r*im.width), int(b*im.height))).resize((225, 300), Image.BILINEAR) for im in ims]
                res[k].append(body(torch.stack([pixels(c) for c in crops])).mean((2, 3)))
    np.savez(out, filename=table.filename.to_numpy(str), **{k: torch.cat(v).numpy() for k,v in res.items()})
    print(out, round(time.time() - start), 's')

if __name__ == '__main__': main()
