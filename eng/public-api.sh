#!/usr/bin/env bash
# Rewrites src/*/PublicAPI.Unshipped.txt from the code: every public symbol not in
# PublicAPI.Shipped.txt. Run it after changing the public surface on purpose, then read the diff.
# (Until 1.0 everything stays Unshipped; the build fails with RS0016/RS0017 when the files and the
# code disagree, so an accidental change to the surface is caught.)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
for file in src/*/PublicAPI.Unshipped.txt; do printf '#nullable enable\n' > "$file"; done
log="$(mktemp)"; trap 'rm -f "$log"' EXIT
dotnet build Outbox.sln -c Release --no-incremental -p:TreatWarningsAsErrors=false -v quiet -nologo 2>&1 > "$log" || true
python3 - "$log" <<'PY'
import re, sys, collections
symbols = collections.defaultdict(set)
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"\s*(/.*?/src/([^/]+)/).*?RS0016: Symbol '(.*)' is not part of the declared public API", line)
    if m:
        symbols[m.group(2)].add(m.group(3))
for project, names in symbols.items():
    with open(f"src/{project}/PublicAPI.Unshipped.txt", "w", encoding="utf-8") as f:
        f.write("#nullable enable\n" + "".join(n + "\n" for n in sorted(names, key=lambda s: s.lstrip("~").removeprefix("static ").removeprefix("override ").removeprefix("abstract ").removeprefix("virtual "))))
    print(f"src/{project}/PublicAPI.Unshipped.txt: {len(names)} symbols")
PY
