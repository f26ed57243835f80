from __future__ import annotations

import os
import subprocess
import sys


def test_importing_confide_crypto_loads_neither_fastapi_nor_sqlalchemy() -> None:
    code = (
        "import sys, confide.crypto\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'sqlalchemy'})\n"
        "print(','.join(loaded) or 'none')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )

    assert result.stdout.strip() == "none"
