"The notebooks, the library, the README and CI are in step."
import shutil, subprocess, sys
from pathlib import Path
from conftest import ROOT, BIN

def copy_project(dest:Path)->Path:
    for name in ['nbs', 'fashion_attrs', 'settings.ini', 'setup.py', 'pyproject.toml', 'README.md', '.ci']:
        src = ROOT/name
        if src.is_dir(): shutil.copytree(src, dest/name, ignore=shutil.ignore_patterns('__pycache__', '.ipynb_checkpoints'))
        else: shutil.copy(src, dest/name)
    return dest

def tree(root:Path)->dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob('*')) if p.is_file() and '__pycache__' not in p.parts}

def test_nbdev_export_and_clean_change_nothing(tmp_path):
    proj = copy_project(tmp_path/'p')
    before = tree(proj)
    for cmd in ['nbdev_export', 'nbdev_clean']:
        r = subprocess.run([str(BIN/cmd)], cwd=proj, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    after = tree(proj)
    changed = sorted(k for k in set(before)|set(after) if before.get(k) != after.get(k))
    assert not changed, f"run nbdev_export and nbdev_clean and commit: they change {changed}"

def test_readme_is_generated_from_index():
    r = subprocess.run([sys.executable, str(ROOT/'.ci'/'readme.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

def test_ci_runs_the_readme_test_command():
    ci_cmd = [l for l in (ROOT/'.ci'/'run').read_text().splitlines() if 'pytest' in l]
    assert len(ci_cmd) == 1 and ci_cmd[0] in (ROOT/'README.md').read_text()

def test_benchmark_variant_defaults_is_the_default_config():
    "The comparison's `defaults` row and the CV configs `fast4_head1e-4*.json` measure exactly what `TrainConfig()` trains; `crop_members2.json` stays the recorded recipe of stops 37-48 (6 top-stage epochs, the head at their rate), `top_average.json` that of stops 32-36 (one member, the whole photo alone), `top_stages.json` that of stop 31 (heads not averaged), `logistic_head_plain.json` that of the regression head alone, `title_specific.json` and `lp_only.json` those of the SGD head (the defaults before)."
    sys.path.insert(0, str(ROOT/'benchmarks'))
    from compare_training import VARIANTS
    from fashion_attrs.train import TrainConfig, ONE_VIEW
    cv = ROOT/'benchmarks'/'cv_configs'
    assert TrainConfig.load(ROOT/'benchmarks'/'comparison_base.json', **VARIANTS['defaults']) == TrainConfig()
    assert TrainConfig.load(cv/'fast4_head1e-4.json') == TrainConfig()
    assert TrainConfig.load(cv/'fast4_head1e-4_seed1.json') == TrainConfig(seed=1)
    assert TrainConfig.load(cv/'fast4_head1e-4_seed2.json') == TrainConfig(seed=2)
    assert TrainConfig.load(cv/'lite1_fast4.json') == TrainConfig(arch='tf_efficientnet_lite1') != TrainConfig()   # stop 51's screen: the default's recipe on lite1
    assert TrainConfig.load(cv/'lite1_fast4_seed1.json') == TrainConfig(arch='tf_efficientnet_lite1', seed=1)
    assert TrainConfig.load(cv/'collar_fast4.json') == TrainConfig(crop_view=[.25, 0, .75, .45]) != TrainConfig()   # stop 51's second screen: the crop view on the collar
    assert TrainConfig.load(cv/'smooth0.1_fast4.json') == TrainConfig(top_label_smoothing=.1) != TrainConfig()   # stop 52's screen: label smoothing in the top stages' tuning
    assert TrainConfig.load(cv/'smooth0.1_fast4_seed1.json') == TrainConfig(top_label_smoothing=.1, seed=1)
    six = dict(top_epochs=6, top_head_lr=None)   # the tuning of stops 31-48: 6 epochs, the head at the top stages' rate
    assert TrainConfig.load(cv/'crop_members2.json') == TrainConfig(**six) != TrainConfig()   # the defaults of stops 37-48
    assert TrainConfig.load(cv/'crop_members2_seed1.json') == TrainConfig(seed=1, **six)
    assert TrainConfig.load(cv/'top_average.json') == TrainConfig(**six, **ONE_VIEW) != TrainConfig()   # the defaults of stops 32-36
    assert TrainConfig.load(cv/'top_members2.json') == TrainConfig(crop_view=False, **six) != TrainConfig()
    assert TrainConfig.load(cv/'crop_upper.json') == TrainConfig(top_members=1, **six) != TrainConfig()
    assert TrainConfig.load(cv/'top_stages.json') == TrainConfig(top_average=False, **six, **ONE_VIEW) != TrainConfig()   # the defaults of stop 31
    assert TrainConfig.load(cv/'logistic_head_plain.json') == TrainConfig(top_epochs=0) != TrainConfig()
    sgd_head = dict(head_fit='sgd', loss='bce', class_weight_power=.75, augment=True, feature_passes=2)
    assert TrainConfig.load(ROOT/'benchmarks'/'comparison_base.json', **VARIANTS['sgd_head']) == TrainConfig(**sgd_head)
    assert TrainConfig.load(cv/'title_specific.json') == TrainConfig(**sgd_head)
    assert TrainConfig.load(cv/'lp_only.json') == TrainConfig(**sgd_head, specific_output=False, title_specific=False)
