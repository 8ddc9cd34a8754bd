#!/usr/bin/env bash
# OCR benchmark: how long `visanav notice read FILE --json` takes, photo/scan to checklist, for
# one or more visanav binaries (e.g. main's and yours), on the files scripts/render-notice.py
# makes from a corpus notice: the clean PNG, the image-only PDF, the 12-MP colour phone photo,
# and the notice's text (the reader alone, without OCR). Runs alternate between binaries so a
# neighbour's load falls on all of them alike. Prints the median and range of the wall times
# and in how many runs exactly the checked documents were read.
#
#   scripts/ocr-bench.sh [-n RUNS] BIN [BIN...]
#
# Needs what scripts/notice-ocr-test.sh needs (tesseract, poppler-utils, Pillow in a venv).
set -euo pipefail

runs=5
if [[ "${1:-}" == "-n" ]]; then runs="$2"; shift 2; fi
(($#)) || { echo "usage: $0 [-n RUNS] BIN [BIN...]" >&2; exit 2; }

root="$(cd "$(dirname "$0")/.." && pwd)"
notice="$root/crates/core/tests/notices/corpus/mnl-checkbox-police.txt"
venv="${NOTICE_OCR_VENV:-${TMPDIR:-/tmp}/visanav-ocr-venv}"
if ! "$venv/bin/python" -c 'import PIL' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q pillow
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" "$root/scripts/render-notice.py" "$notice" "$work"
cp "$notice" "$work/notice.txt"

echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "$(tesseract --version 2>&1 | head -1), $runs runs each"
VISANAV_DATA_DIR="$work/data" python3 - "$runs" "$work" "$@" <<'PY'
import json, os, statistics, subprocess, sys, time
runs, work, bins = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
files = [("notice.png", "rendered notice, PNG 1685x1268 grey"),
         ("notice-scan.pdf", "scanned PDF (150-dpi image, read at 300 dpi)"),
         ("phone-photo.jpg", "phone photo, JPEG 4032x3024 colour"),
         ("notice.txt", "the notice as text (no OCR)")]
want = {"police_certificate", "medical_exam"}
times = {(b, f): [] for b in bins for f, _ in files}
exact = {(b, f): 0 for b in bins for f, _ in files}
for _ in range(runs):
    for f, _ in files:
        for b in bins:
            start = time.perf_counter()
            p = subprocess.run([b, "notice", "read", os.path.join(work, f), "--json"],
                               capture_output=True, text=True)
            times[(b, f)].append(time.perf_counter() - start)
            if p.returncode == 0:
                docs = {q["document"] for q in json.loads(p.stdout)["requests"]}
                exact[(b, f)] += docs == want
print("| file | binary | median | range | exact documents |")
print("|---|---|---|---|---|")
for f, what in files:
    for b in bins:
        t = times[(b, f)]
        print(f"| {what} | `{b}` | **{statistics.median(t):.2f} s** | "
              f"{min(t):.2f}–{max(t):.2f} s | {exact[(b, f)]}/{runs} |")
PY
