"""The one text type of the project's frames: pandas strings stored in Arrow.

Arrow keeps a column of a million strings in two buffers instead of a million Python objects: a third of the
memory, pickled or written as Parquet without a per-value step, and ``.str`` methods run in Arrow's compute
kernels (regular expressions with RE2) instead of a Python loop. ``astype("string")`` would pick pandas'
default storage (Python objects) unless a global option says otherwise, which a library must not set for its
host's process; so every conversion names this type.
"""

from __future__ import annotations

import pandas as pd

TEXT = pd.StringDtype("pyarrow")
