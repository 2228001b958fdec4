"""Peak memory of storing one uploaded image: a fresh process per file, so each peak is its own.

    .venv/bin/python bench/uploads.py

Each case runs services.photos.store_photo in a child process and reports the growth of the
process's peak resident size (VmHWM, reset through /proc/self/clear_refs after the imports)
over its resident size then (Linux only). A refused file reports the
refusal; the point of the bounds is that refusing costs nothing.
"""
from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import io, sys, tempfile
from pathlib import Path
from inspect_app.services import Invalid
from inspect_app.services.photos import store_photo
data = Path(sys.argv[1]).read_bytes()
def status(key):
    return int(next(line for line in open("/proc/self/status") if line.startswith(key)).split()[1])
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # resets the peak (VmHWM) to the current resident size
before = status("VmRSS:")
try:
    stored = store_photo(io.BytesIO(data), Path(tempfile.mkdtemp()))
    outcome = f"stored {stored.width}x{stored.height}"
except Invalid as error:
    outcome = f"refused: {error.message}"
peak = status("VmHWM:") - before
print(f"{peak / 1024:.0f} MB\\t{outcome}")
"""


def _png(width: int, height: int, mode: str = "RGB") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, (width, height), "#3a7bd5").save(out, "PNG")
    return out.getvalue()


def _jpeg(width: int, height: int, progressive: bool = False) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.linear_gradient("L").resize((width, height)).convert("RGB").save(out, "JPEG", quality=90, progressive=progressive)
    return out.getvalue()


CASES = {
    "PNG 7740 × 7740 RGB (the reported bomb)": lambda: _png(7740, 7740),
    "PNG 5000 × 3750 RGB (the largest accepted)": lambda: _png(5000, 3750),
    "PNG 4000 × 3000 RGBA": lambda: _png(4000, 3000, "RGBA"),
    "JPEG 4000 × 3000 (12 MP tablet photo)": lambda: _jpeg(4000, 3000),
    "JPEG 8160 × 6120 (50 MP phone photo)": lambda: _jpeg(8160, 6120),
    "JPEG 4000 × 3000 progressive": lambda: _jpeg(4000, 3000, progressive=True),
    "JPEG 8160 × 6120 progressive": lambda: _jpeg(8160, 6120, progressive=True),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        for label, make in CASES.items():
            path = Path(folder) / "upload"
            data = make()
            path.write_bytes(data)
            result = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, capture_output=True,
                                    text=True, check=True)
            print(f"{label} ({len(data) // 1024} KB): {result.stdout.strip()}")


if __name__ == "__main__":
    main()
