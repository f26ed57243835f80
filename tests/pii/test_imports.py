"""The PII engine is an inner library: it imports neither the web framework nor the ORM."""

from __future__ import annotations

import subprocess
import sys


def test_importing_confide_pii_imports_no_web_framework_or_orm() -> None:
    code = (
        "import sys, confide.pii, confide.pii.evaluation\n"
        "heavy = ('fastapi', 'starlette', 'sqlalchemy')\n"
        "print(','.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
