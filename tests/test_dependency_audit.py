"""The CI's dependency audit: a finding fails it, an unreachable advisory source is said aloud."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "audit_dependencies.py"


def judge(tmp_path, dependencies: list[dict]) -> subprocess.CompletedProcess:
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"dependencies": dependencies, "fixes": []}))
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--report", str(report)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_known_vulnerability_fails_the_audit(tmp_path):
    result = judge(
        tmp_path,
        [
            {
                "name": "django",
                "version": "5.2.0",
                "vulns": [
                    {
                        "id": "PYSEC-2025-1",
                        "fix_versions": ["5.2.1"],
                        "aliases": [],
                        "description": "…",
                    }
                ],
            },
            {"name": "edtf", "version": "5.0.2", "vulns": []},
        ],
    )
    assert result.returncode == 1
    assert "VULNERABLE django 5.2.0: PYSEC-2025-1 (fixed in 5.2.1)" in result.stdout
    assert "2 packages checked, 0 skipped, 1 with known vulnerabilities" in result.stdout


def test_a_clean_report_passes_and_says_what_it_checked(tmp_path):
    result = judge(
        tmp_path,
        [
            {"name": "django", "version": "5.2.19", "vulns": []},
            {"name": "local-thing", "skip_reason": "not on the index"},
        ],
    )
    assert result.returncode == 0
    assert "1 packages checked, 1 skipped, 0 with known vulnerabilities" in result.stdout
    assert "could not check" not in result.stdout


def test_a_report_that_audited_nothing_is_not_taken_for_a_clean_one(tmp_path):
    result = judge(
        tmp_path,
        [
            {"name": "django", "skip_reason": "Dependency not found on PyPI"},
            {"name": "edtf", "skip_reason": "Dependency not found on PyPI"},
        ],
    )
    assert result.returncode == 0
    assert "WARNING: pip-audit could not check the dependencies" in result.stdout
    assert "checked," not in result.stdout
