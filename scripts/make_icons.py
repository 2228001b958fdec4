"""Draw the app's PNG icons (192, 512 and a maskable 512) from the shapes of static/icon.svg.

PIL has no SVG renderer, so the same rectangles and tick are drawn at each size; run it again
after changing icon.svg and commit the PNGs (the manifest needs raster icons to install).
"""
from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent.parent / "inspect_app" / "static"
RED, WHITE, GOLD = (159, 28, 34), (255, 255, 255), (242, 201, 76)


def draw(size: int, maskable: bool) -> Image.Image:
    """The 32-unit drawing scaled to size; a maskable icon keeps it inside the 80 % safe zone."""
    big = size * 4  # drawn large, then scaled down: smooth edges without an antialiasing renderer
    image = Image.new("RGB" if maskable else "RGBA", (big, big), RED if maskable else (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    inset = big * 0.1 if maskable else 0
    unit = (big - 2 * inset) / 32

    def box(x, y, w, h):
        return [inset + x * unit, inset + y * unit, inset + (x + w) * unit, inset + (y + h) * unit]

    if not maskable:
        pen.rounded_rectangle(box(0, 0, 32, 32), radius=7 * unit, fill=RED)
    pen.rounded_rectangle(box(8, 6, 16, 21), radius=2 * unit, fill=WHITE)
    pen.rounded_rectangle(box(12, 4, 8, 5), radius=1.5 * unit, fill=GOLD)
    tick = [(inset + x * unit, inset + y * unit) for x, y in ((11.5, 17.5), (14.5, 20.5), (20.5, 13.5))]
    pen.line(tick, fill=RED, width=round(2.6 * unit), joint="curve")
    for x, y in (tick[0], tick[2]):
        r = 1.3 * unit
        pen.ellipse([x - r, y - r, x + r, y + r], fill=RED)
    return image.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    for size, maskable, name in ((192, False, "icon-192.png"), (512, False, "icon-512.png"),
                                 (512, True, "icon-maskable-512.png")):
        draw(size, maskable).save(STATIC / name, optimize=True)
