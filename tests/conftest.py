import os, shutil, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT/'data'
FLIXSTOCK_DEV = Path(os.environ.get('FLIXSTOCK_DEV', ROOT.parent/'shared'/'flixstock-dev'))
BIN = Path(sys.executable).parent

def run(cmd, *args, **kwargs):
    "Run console command `cmd` from this environment; returns the CompletedProcess (never raises on exit status)."
    exe = shutil.which(cmd, path=str(BIN)) or cmd
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True, **kwargs)

needs_flixstock = pytest.mark.skipif(not (FLIXSTOCK_DEV/'attributes.csv').exists(),
                                     reason=f'FlixStock development data not found at {FLIXSTOCK_DEV}')
