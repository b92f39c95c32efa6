__version__ = "0.1.0"

# fastai 2.8.7 warns about its own code on every import (torch.jit.script in fastai/layers.py, a pandas option in
# fastai/tabular/core.py): silenced here, before any module imports fastai, by their exact messages (nbs/00_core.ipynb)
import warnings as _warnings
_warnings.filterwarnings('ignore', message=r'`torch\.jit\.script` is deprecated', category=FutureWarning)
_warnings.filterwarnings('ignore', message=r"The 'mode\.chained_assignment' option is deprecated")
# fastprogress warns when a progress bar gets nothing to count (fastai's validation pass when training on all data)
_warnings.filterwarnings('ignore', message=r'Your generator is empty', category=UserWarning)
