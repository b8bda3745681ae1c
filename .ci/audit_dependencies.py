#!/usr/bin/env python3
"""Audit the installed packages for known vulnerabilities with pip-audit.

Exit status: 1 when an advisory source was reached and a package has a known
vulnerability; 0 otherwise. When no advisory source can be reached (no
network, or every package skipped as unknown to it), it says plainly that it
could not check, and exits 0: an unreachable service must not block a
release, but it must never read as a clean bill of health.

    python .ci/audit_dependencies.py               # run pip-audit, PyPI then OSV
    python .ci/audit_dependencies.py --report FILE  # judge a saved `pip-audit --format json` report
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

SOURCES = ("pypi", "osv")
PIP_AUDIT = Path(sys.executable).parent / "pip-audit"


def run_pip_audit(source: str) -> tuple[dict | None, str]:
    """The JSON report of one advisory source, or None and why there is none."""
    try:
        result = subprocess.run(
            [
                str(PIP_AUDIT),
                "--skip-editable",
                "--format",
                "json",
                "--progress-spinner",
                "off",
                "--vulnerability-service",
                source,
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return None, f"pip-audit did not run: {error}"
    try:
        return json.loads(result.stdout), ""
    except json.JSONDecodeError:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"{source}: {last[:200]}"


def judge(report: dict, source: str) -> int | None:
    """Print the verdict on one report; None when it checked nothing."""
    dependencies = report.get("dependencies", [])
    audited = [dep for dep in dependencies if "skip_reason" not in dep]
    if not audited:
        return None
    vulnerable = [dep for dep in audited if dep.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            print(
                f"VULNERABLE {dep['name']} {dep.get('version', '')}: {vuln.get('id')} "
                f"(fixed in {fixes})"
            )
    skipped = len(dependencies) - len(audited)
    print(
        f"pip-audit ({source}): {len(audited)} packages checked, {skipped} skipped, "
        f"{len(vulnerable)} with known vulnerabilities"
    )
    return 1 if vulnerable else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--report", type=Path, help="A saved pip-audit JSON report to judge instead."
    )
    args = parser.parse_args()
    reports = [(json.loads(args.report.read_text()), "report", "")] if args.report else []
    reasons = []
    for source in [] if args.report else SOURCES:
        report, reason = run_pip_audit(source)
        if report is None:
            reasons.append(reason)
            continue
        reports.append((report, source, ""))
        if any("skip_reason" not in dep for dep in report.get("dependencies", [])):
            break  # this source answered; no need to ask the next
        reasons.append(f"{source}: every package skipped as unknown to it")
    for report, source, _reason in reports:
        verdict = judge(report, source)
        if verdict is not None:
            return verdict
    print("WARNING: pip-audit could not check the dependencies: no advisory source was reachable.")
    for reason in reasons or ["the report audited no package"]:
        print(f"  {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
