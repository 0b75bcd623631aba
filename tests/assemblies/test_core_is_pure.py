"""The roadmap core imports nothing from Django, so anyone can re-check a roadmap history offline."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_roadmap_core_imports_without_django():
    code = (
        "import sys; sys.modules['django'] = None\n"
        "import assemblies.roadmap.core.importer, assemblies.roadmap.core.versioning\n"
        "import assemblies.roadmap.core.diff, assemblies.roadmap.core.blame\n"
        "import polls.core.moderation_log, polls.core.audit_log, polls.core.hash_chain\n"
        "print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
