#!/usr/bin/env bash
# End-to-end OCR check of `visanav notice read`: renders a corpus notice to a PNG and to a
# scanned (image-only) PDF and a colour phone photo (scripts/render-notice.py), reads each
# through tesseract / pdftoppm, and asserts that exactly the checked documents are requested.
#
#   scripts/notice-ocr-test.sh [path/to/visanav]
#
# Needs: tesseract (Debian tesseract-ocr), pdftoppm and pdftotext (poppler-utils), python3
# with venv/pip (Pillow is installed into a cached venv). When tesseract or poppler is missing
# the check is skipped (exit 0) unless NOTICE_OCR_REQUIRED=1.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-${VISANAV_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/visanav}}"
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

"$venv/bin/python" "$root/scripts/render-notice.py" "$notice" "$work"

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
# Exactly the two checked items: one missed or one unchecked item read as requested fails.
want = {"police_certificate", "medical_exam"}
problems = []
if docs != want:
    problems.append(f"requests {sorted(docs)}, expected exactly {sorted(want)}")
    if want - docs:
        problems.append(f"missing {sorted(want - docs)}")
    if docs - want:
        problems.append(f"not asked for: {sorted(docs - want)}")
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
check "$work/phone-photo.jpg" "a 12-megapixel colour phone photo"
echo "3 passed, 0 failed"
