"""litellm's environment, set once, before litellm is first imported.

``archon/__init__.py`` imports this module before anything else, so every path into
litellm (archon's client, its provider plugins, a script that imports archon first) finds
it set. Nothing else in archon sets these variables.
"""

from __future__ import annotations

import os

#: Set before litellm's import: litellm fetches its model cost map from the network at import
#: unless told to use the copy it bundles; archon never wants that.
LITELLM_ENV = {"LITELLM_LOCAL_MODEL_COST_MAP": "True"}

os.environ.update(LITELLM_ENV)
