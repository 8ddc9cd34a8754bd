"""Renders a text notice as the files people upload, for the OCR check and the OCR benchmark.

    python render-notice.py NOTICE.txt OUT_DIR

writes into OUT_DIR:
  notice.png        the page as a clean grey image (1685 x 1268 for the corpus notice),
  notice-scan.pdf   the same page as an image-only PDF at 150 dpi (a scan: no text layer),
  phone-photo.jpg   the page photographed: 12 megapixels (4032 x 3024), colour, the page
                    enlarged, slightly blurred, on tinted paper against a darker background.

Needs Pillow. Deterministic: the same notice gives the same files.
"""
import sys

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

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

W, H = 4032, 3024
scale = min(W * 0.92 / img.width, H * 0.92 / img.height)
page = img.convert("RGB").resize((int(img.width * scale), int(img.height * scale)), Image.BICUBIC)
page = ImageChops.multiply(page.filter(ImageFilter.GaussianBlur(1.2)),
                           Image.new("RGB", page.size, (235, 228, 215)))
photo = Image.new("RGB", (W, H), (120, 110, 100))
photo.paste(page, ((W - page.width) // 2, (H - page.height) // 2))
photo.save(f"{out}/phone-photo.jpg", quality=88)
