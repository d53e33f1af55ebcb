#!/usr/bin/env bash
# Parses every GitHub Actions workflow (.github/workflows/*.yml) and checks its outline: a name,
# triggers, and jobs whose steps each run or use something. The workflows cannot run on the
# development machines (no Docker there); this makes a broken file fail .ci/run instead of CI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
python3 - .github/workflows/*.yml <<'PY'
import sys, yaml
failures = []
for path in sys.argv[1:]:
    try:
        workflow = yaml.safe_load(open(path, encoding="utf-8"))
    except yaml.YAMLError as error:
        failures.append(f"{path}: not valid YAML: {error}")
        continue
    if not isinstance(workflow, dict):
        failures.append(f"{path}: not a mapping")
        continue
    # YAML 1.1 reads a bare `on:` key as True.
    triggers = workflow.get("on", workflow.get(True))
    if not workflow.get("name") or not triggers:
        failures.append(f"{path}: needs a name and triggers (on:)")
    jobs = workflow.get("jobs")
    if not isinstance(jobs, dict) or not jobs:
        failures.append(f"{path}: no jobs")
        continue
    for job_id, job in jobs.items():
        if not isinstance(job, dict) or "runs-on" not in job or not isinstance(job.get("steps"), list) or not job["steps"]:
            failures.append(f"{path}: job {job_id} needs runs-on and steps")
            continue
        needs = job.get("needs", [])
        for needed in [needs] if isinstance(needs, str) else needs:
            if needed not in jobs:
                failures.append(f"{path}: job {job_id} needs unknown job {needed}")
        for i, step in enumerate(job["steps"]):
            if not isinstance(step, dict) or ("run" in step) == ("uses" in step):
                failures.append(f"{path}: job {job_id} step {i + 1} needs exactly one of run or uses")
    print(f"[workflows] {path}: {len(jobs)} jobs ({', '.join(jobs)})")
if failures:
    print("\n".join(failures), file=sys.stderr)
    sys.exit(1)
PY
