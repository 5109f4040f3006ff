"""Makes fixtures/fuyu-image-processor-resized: an image that FuyuImageProcessor must shrink.

The resize is Pillow's own Image.resize(BILINEAR) on the 8-bit image, which is what transformers'
FuyuImageProcessor calls (image_transforms.resize through PIL); the steps around it follow
transformers/models/fuyu/image_processing_fuyu.py: scale both sides by min(target_h / h, target_w / w) and truncate,
pad bottom/right with 1 on the uint8 array, rescale and normalise in float64, cast to float32, patchify row-major with
each patch flattened as (row, column, channel). transformers itself is not installed here (no network); the shared
fixture fuyu-image-processor, made by transformers, covers the steps without a resize.

Run: python3 make_resized.py OUT_DIR   (needs numpy and Pillow)
"""
import json
import os
import struct
import sys

import numpy as np
from PIL import Image

TARGET_H, TARGET_W, PATCH = 180, 300, 30


def make_image(width=400, height=250, seed=7):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([(x * 255 // (width - 1)), (y * 255 // (height - 1)), ((x + y) % 64) * 4], axis=-1)
    rgb = rgb + rng.integers(-20, 21, size=rgb.shape)
    rgb[100:140, 150:260] = [250, 20, 30]  # sharp edges: where filters differ most
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def process(image):
    w, h = image.size
    if w > TARGET_W or h > TARGET_H:
        factor = min(TARGET_H / h, TARGET_W / w)
        image = image.resize((int(w * factor), int(h * factor)), resample=Image.BILINEAR)
    arr = np.array(image)
    rh, rw = arr.shape[:2]
    padded = np.pad(arr, ((0, TARGET_H - rh), (0, TARGET_W - rw), (0, 0)), mode="constant", constant_values=1.0)
    x = (padded.astype(np.float64) * (1 / 255) - 0.5) / 0.5
    chw = x.astype(np.float32).transpose(2, 0, 1)
    rows, cols = TARGET_H // PATCH, TARGET_W // PATCH
    patches = (chw.transpose(1, 2, 0).reshape(rows, PATCH, cols, PATCH, 3).transpose(0, 2, 1, 3, 4)
               .reshape(rows * cols, PATCH * PATCH * 3))
    return {
        "images": chw[None, None],
        "patches": np.ascontiguousarray(patches),
        "image_sizes": np.array([[rh, rw]], dtype=np.int64),
        "image_unpadded_heights": np.array([[rh]], dtype=np.int64),
        "image_unpadded_widths": np.array([[rw]], dtype=np.int64),
        "image_scale_factors": np.array([[rh / h]], dtype=np.float32),
    }


def write_safetensors(tensors, path):
    header, offset, blobs = {}, 0, []
    for name, a in tensors.items():
        data = np.ascontiguousarray(a).tobytes()
        dtype = {np.float32: "F32", np.int64: "I64"}[a.dtype.type]
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def main(out):
    os.makedirs(out, exist_ok=True)
    image = make_image()
    image.save(os.path.join(out, "input.png"))
    write_safetensors(process(Image.open(os.path.join(out, "input.png")).convert("RGB")),
                      os.path.join(out, "io.safetensors"))
    config = {"size": {"height": TARGET_H, "width": TARGET_W}, "do_resize": True, "resample": 2,
              "do_rescale": True, "rescale_factor": 1 / 255, "do_normalize": True, "do_pad": True,
              "padding_value": 1.0, "padding_mode": "constant", "image_mean": 0.5, "image_std": 0.5,
              "patch_size": {"height": PATCH, "width": PATCH}, "image_processor_type": "FuyuImageProcessor"}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


if __name__ == "__main__":
    main(sys.argv[1])
