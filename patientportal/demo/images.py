"""Simple generated product pictures for the demo data (no files shipped)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

SHAPES = ("bottle", "jar", "box", "tube")


def demo_product_image(name: str, colour: str, shape: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (600, 600), "#f4f6f9")
    draw = ImageDraw.Draw(image)
    draw.ellipse((90, 470, 510, 540), fill="#dde3ea")
    if shape == "bottle":
        draw.rounded_rectangle((220, 90, 380, 150), radius=12, fill="#4a5565")
        draw.rounded_rectangle((170, 140, 430, 500), radius=40, fill=colour)
    elif shape == "jar":
        draw.rounded_rectangle((150, 170, 450, 220), radius=10, fill="#4a5565")
        draw.rounded_rectangle((130, 210, 470, 500), radius=30, fill=colour)
    elif shape == "tube":
        draw.polygon([(210, 120), (390, 120), (430, 470), (170, 470)], fill=colour)
        draw.rectangle((250, 470, 350, 510), fill="#4a5565")
    else:
        draw.rectangle((130, 150, 470, 500), fill=colour)
        draw.polygon([(130, 150), (200, 100), (540, 100), (470, 150)], fill="#ffffff")
    draw.rounded_rectangle((200, 280, 400, 380), radius=10, fill="#ffffff")
    draw.text((300, 330), name[:2].upper(), fill="#1b2430", anchor="mm", font_size=56)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(f"{shape}.png", buffer.getvalue(), content_type="image/png")
