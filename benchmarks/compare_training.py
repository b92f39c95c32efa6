"""Compare training variants on one data set and one split: per-attribute accuracy and macro-F1 on the test part,
beside the majority class, and training minutes. Each finished run is appended to the results at once.

Usage: python benchmarks/compare_training.py --data ../shared/flixstock-dev --variants baseline,ce,no_weights
       [--config FILE] [--out benchmarks/results]"""
import argparse, json, os, time
from pathlib import Path
os.environ.setdefault('HF_HUB_OFFLINE', '1')
from fashion_attrs.train import TrainConfig, train

TUNED = dict(bs=16, train_bn=False, freeze_epochs=4, epochs=4)   # the longer recipe, the defaults before LPFT
LPFT = dict(size=[300, 225], bs=16, train_bn=False, lin_ftrs=[], feature_passes=2, freeze_epochs=30,   # the defaults of TrainConfig
            freeze_bn_stats=True, class_weight_power=0.75, epochs=2)   # until 2026-12-03; `defaults` since, chosen by 5-fold CV
VARIANTS = {  # name -> settings changed from the base config
    'baseline': {},
    'ce': dict(loss='ce'),
    'no_weights': dict(class_weight_power=0.),
    'native_300x225': dict(size=[300, 225]),
    'lite2': dict(arch='tf_efficientnet_lite2'),
    'na_as_class': dict(na_class=True),
    'gradual': dict(gradual_unfreeze=True),
    'seed_1': dict(seed=1),  # the baseline again with another seed: how far one run's scores move by chance
    'tuned': TUNED,
    'tuned_seed_1': {**TUNED, 'seed': 1},
    'tuned_ce': {**TUNED, 'loss': 'ce'},
    'tuned_ce_seed_1': {**TUNED, 'loss': 'ce', 'seed': 1},
    'tuned_ce_no_weights': {**TUNED, 'loss': 'ce', 'class_weight_power': 0.},
    'tuned_ce_no_weights_native': {**TUNED, 'loss': 'ce', 'class_weight_power': 0., 'size': [300, 225], 'epochs': 2},
    'tuned_weights_1': {**TUNED, 'class_weight_power': 1.},
    'tuned_frozen_8': {**TUNED, 'freeze_epochs': 8, 'epochs': 2},
    'tuned_unfrozen_6': {**TUNED, 'epochs': 6},
    'lpft': LPFT,   # linear head fitted on cached frozen features at 300x225, then fine-tuned with batch-norm statistics kept
    'lpft_seed_1': {**LPFT, 'seed': 1},
    'lp_only': {**LPFT, 'epochs': 0, 'specific_output': False, 'title_specific': False},   # the head-only model
    'sgd_head': {**LPFT, 'epochs': 0, 'specific_output': True, 'title_specific': True},   # TrainConfig's defaults from stop 22 to stop 26: the head by 30 SGD epochs
    'defaults': {**LPFT, 'epochs': 0, 'specific_output': True, 'title_specific': True, 'head_fit': 'logistic', 'loss': 'ce',   # TrainConfig's defaults since stop 27,
                 'class_weight_power': 1., 'augment': False, 'feature_passes': 1},   # chosen by 5-fold CV: the head as a logistic regression
    'lpft_224x168': {**LPFT, 'size': [224, 168]},
    'lpft_weights_05': {**LPFT, 'class_weight_power': 0.5},
    'lpft_unfrozen_lr_div_20': {**LPFT, 'unfrozen_lr_div': 20.},   # gentler fine-tuning
}

def markdown(results:list[dict])->str:
    "The comparison as a markdown table: one row per variant and attribute."
    lines = ['| variant | settings | attribute | n | macro-F1 | majority macro-F1 | accuracy | majority accuracy | train min |',
             '|---|---|---|---|---|---|---|---|---|']
    for r in results:
        for s in r['scores']:
            lines.append(f"| {r['variant']} | {json.dumps(r['settings'])} | {s['attribute']} | {s['n']} | {s['macro_f1']:.3f} | "
                         f"{s['majority_macro_f1']:.3f} | {s['accuracy']:.3f} | {s['majority_accuracy']:.3f} | {r['minutes']:.1f} |")
    return '\n'.join(lines) + '\n'

def summary(results:list[dict])->str:
    "One row per variant: macro-F1 and accuracy per attribute and their mean, the majority class in the header."
    attrs = [s['attribute'] for s in results[0]['scores']]
    maj = {s['attribute']:s for s in results[0]['scores']}
    head = ' | '.join(f"{a} F1 / acc (maj {maj[a]['majority_macro_f1']:.3f} / {maj[a]['majority_accuracy']:.3f})" for a in attrs)
    lines = [f'| variant | {head} | train min |', '|---' * (len(attrs) + 2) + '|']
    for r in sorted(results, key=lambda r: -r['scores'][-1]['macro_f1']):
        cells = ' | '.join(f"{s['macro_f1']:.3f} / {s['accuracy']:.3f}" for s in r['scores'])
        lines.append(f"| {r['variant']} | {cells} | {r['minutes']:.1f} |")
    return '\n'.join(lines) + '\n'

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', required=True); p.add_argument('--variants', default='baseline')
    p.add_argument('--config', default=None); p.add_argument('--out', default='benchmarks/results')
    a = p.parse_args()
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    res_file = out/'training_comparison.json'
    results = json.loads(res_file.read_text()) if res_file.exists() else []
    for name in a.variants.split(','):
        config = TrainConfig.load(a.config, **VARIANTS[name])
        start = time.time()
        res = train(a.data, out/'models'/f'{name}.pkl', config)
        minutes,scores = (time.time() - start) / 60,res.test_scores
        results = [r for r in results if r['variant'] != name] + [dict(
            variant=name, settings=VARIANTS[name], config=vars(config), minutes=minutes, lr=res.learn.model_info.lr,
            epochs_run=len(res.history), kept=res.learn.model_info.kept, scores=scores.to_dict('records'))]
        res_file.write_text(json.dumps(results, indent=1))
        (out/'training_comparison.md').write_text(summary(results) + '\n' + markdown(results))
        print(scores.to_string(), f'\n{name}: {minutes:.1f} min', flush=True)

if __name__ == '__main__': main()
