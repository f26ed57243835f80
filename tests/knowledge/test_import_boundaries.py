import subprocess
import sys

import pytest

CHECK = """
import sys
import {module}
leaked = sorted(name for name in ("fastapi", "sqlalchemy") if name in sys.modules)
print(",".join(leaked))
"""


@pytest.mark.parametrize(
    "module",
    ["confide.knowledge.articles", "confide.knowledge.retrieval", "confide.demo"],
)
def test_knowledge_library_imports_neither_fastapi_nor_sqlalchemy(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.strip() == ""
