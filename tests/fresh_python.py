"""Run a Python snippet in a fresh interpreter and get its result back as JSON.

For what must happen before TensorFlow initializes in a process (``tf.config.set_logical_device_configuration``,
a global Keras policy that must not leak into other tests): the snippet runs with this checkout first on
``sys.path`` and assigns the value to return to ``result`` (anything ``json.dumps`` accepts).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_MARKER = "@@fresh_python result@@"


def run_json(snippet: str, env: Mapping[str, str] | None = None, timeout: float = 240) -> Any:
    """Run ``snippet`` (dedented) in ``python -c`` and return its ``result`` variable, decoded from JSON.

    Inputs: env: extra environment variables (the rest is inherited, with quiet TensorFlow logs and this
    checkout on PYTHONPATH); timeout: seconds. Raises AssertionError with the output's tail if the snippet
    fails or sets no ``result``.
    """
    code = (f"import json\nresult = None\n{textwrap.dedent(snippet)}\n"
            f"print({_MARKER!r} + json.dumps(result))\n")
    full_env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
                "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]), **(env or {})}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(_MARKER)]
    if proc.returncode != 0 or not lines:
        raise AssertionError(f"snippet failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return json.loads(lines[-1][len(_MARKER):])
