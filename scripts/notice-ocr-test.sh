#!/usr/bin/env bash
# End-to-end OCR check of `visanav notice read`: renders a corpus notice to a PNG and to a
# scanned (image-only) PDF, reads both through tesseract / pdftoppm, and asserts the requests.
#
#   scripts/notice-ocr-test.sh [path/to/visanav]
#
# Needs: tesseract (Debian tesseract-ocr), pdftoppm and pdftotext (poppler-utils), python3
# with venv/pip (Pillow is installed into a cached venv). When tesseract or poppler is missing
# the check is skipped (exit 0) unless NOTICE_OCR_REQUIRED=1.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-${VISANAV_BIN:-$root/target/debug/visanav}}"
notice="$root/crates/core/tests/notices/corpus/mnl-checkbox-police.txt"

missing=()
for tool in tesseract pdftoppm pdftotext python3; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]})); then
  msg="notice OCR check: missing ${missing[*]} (apt-get install tesseract-ocr poppler-utils)"
  if [[ "${NOTICE_OCR_REQUIRED:-0}" == 1 ]]; then echo "FAIL: $msg" >&2; exit 1; fi
  echo "SKIP: $msg"
  exit 0
fi
[[ -x "$bin" ]] || { echo "FAIL: no visanav binary at $bin (cargo build -p visanav)" >&2; exit 1; }

venv="${NOTICE_OCR_VENV:-${TMPDIR:-/tmp}/visanav-ocr-venv}"
if ! "$venv/bin/python" -c 'import PIL' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q pillow
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$venv/bin/python" - "$notice" "$work" <<'PY'
import sys
from PIL import Image, ImageDraw, ImageFont
src, out = sys.argv[1], sys.argv[2]
lines = open(src, encoding="utf-8").read().splitlines()
font = None
for path in ("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
             "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf"):
    try:
        font = ImageFont.truetype(path, 30)
        break
    except OSError:
        pass
if font is None:
    font = ImageFont.load_default(size=30)
width = 60 + max(int(font.getlength(l)) for l in lines if l) 
height = 80 + 44 * len(lines)
img = Image.new("L", (width, height), 255)
d = ImageDraw.Draw(img)
for i, line in enumerate(lines):
    d.text((30, 40 + 44 * i), line, fill=0, font=font)
img.save(f"{out}/notice.png")
img.convert("RGB").save(f"{out}/notice-scan.pdf", resolution=150)
PY

check() {
  local file="$1" label="$2"
  if ! "$bin" notice read "$file" --json >"$work/reading.json"; then
    echo "FAIL: visanav notice read $label exited with an error" >&2
    exit 1
  fi
  python3 - "$label" "$work/reading.json" <<'PY'
import json, sys
label, path = sys.argv[1], sys.argv[2]
r = json.load(open(path, encoding="utf-8"))
docs = {q["document"] for q in r["requests"]}
want = {"police_certificate", "medical_exam"}
never = {"court_records", "birth_certificate", "prior_marriage_termination", "i134_support"}
problems = []
if not want <= docs:
    problems.append(f"missing {sorted(want - docs)}")
if docs & never:
    problems.append(f"unchecked items requested: {sorted(docs & never)}")
if r.get("post") != "MNL":
    problems.append(f"post {r.get('post')!r}")
if problems:
    print(f"FAIL: OCR of {label}: " + "; ".join(problems), file=sys.stderr)
    print(json.dumps(r, indent=1, ensure_ascii=False)[:4000], file=sys.stderr)
    sys.exit(1)
print(f"ok: OCR of {label} ({r['input']}): requests {sorted(docs)}")
PY
}

check "$work/notice.png" "a PNG photo"
check "$work/notice-scan.pdf" "a scanned PDF"
echo "2 passed, 0 failed"
