#!/usr/bin/python3
"""Generate extra perceiver-io reference fixtures by running the upstream krasserm/perceiver-io model
code (tag 0.11.1, commit cf63e0bf952d98ec7947923efbed56b9158f8b69, unmodified, extracted to ./src)
under PyTorch on CPU, float32, eval mode.

Run with Debian's python (python3-torch), from this folder:
  PERCEIVER_IO_SRC=<dir holding perceiver/> /usr/bin/python3 generate.py
It checks itself against the test resources' perceiver-io-mlm-tiny and writes the new fixtures there.

Steps
1. Self-test of the local `einops` shim (./shims) against hand-written torch ops.
2. Mandatory pipeline check: rebuild `perceiver-io-mlm-tiny` from the shared fixture's config.json,
   load its model.safetensors and io.safetensors inputs, recompute logits / loss / grads and compare
   with the stored ones (max relative error must be <= 1e-5).
3. Write the new fixtures `perceiver-io-mlm-untied` and `perceiver-io-txt-clf-blocks`.

To re-extract the upstream source:
  git clone https://github.com/krasserm/perceiver-io && git -C perceiver-io checkout 0.11.1
"""
import json
import os
import struct
import sys
import types
from dataclasses import asdict

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("PERCEIVER_IO_SRC", os.path.join(HERE, "src"))
SHIMS = os.path.join(HERE, "shims")
FIXTURES = os.path.join(HERE, "..", "..", "resources", "fixtures")
SHARED = FIXTURES
UPSTREAM_TAG = "0.11.1"
UPSTREAM_COMMIT = "cf63e0bf952d98ec7947923efbed56b9158f8b69"

sys.path.insert(0, SHIMS)
sys.path.insert(0, SRC)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def _bare_package(name):
    """Register package `name` (under SRC) without executing its __init__.py.

    perceiver/model/text/{mlm,classifier}/__init__.py also import the Hugging Face and PyTorch Lightning
    wrappers (transformers, pytorch_lightning, torchmetrics), which are not installed and not needed for
    the backend model. Registering the package object lets `import ....backend` load the unmodified
    backend module directly."""
    mod = types.ModuleType(name)
    mod.__path__ = [os.path.join(SRC, *name.split("."))]
    sys.modules[name] = mod


_bare_package("perceiver.model.text.mlm")
_bare_package("perceiver.model.text.classifier")

from perceiver.model.core import ClassificationDecoderConfig  # noqa: E402
from perceiver.model.text.classifier.backend import TextClassifier, TextClassifierConfig  # noqa: E402
from perceiver.model.text.common import TextEncoderConfig  # noqa: E402
from perceiver.model.text.mlm.backend import (  # noqa: E402
    MaskedLanguageModel,
    MaskedLanguageModelConfig,
    TextDecoderConfig,
)

torch.set_num_threads(1)

# --------------------------------------------------------------------------------------------------
# safetensors reader / writer (the `safetensors` package is not installed)
# --------------------------------------------------------------------------------------------------

_NP = {"F32": np.float32, "I64": np.int64, "BOOL": np.bool_}
# rank in the safetensors Rust Dtype enum; the writer sorts by dtype (descending), then by name
_RANK = {"BOOL": 0, "F32": 15, "I64": 17}


def _dtype_name(t):
    if t.dtype == torch.float32:
        return "F32"
    if t.dtype == torch.int64:
        return "I64"
    if t.dtype == torch.bool:
        return "BOOL"
    raise ValueError(f"unsupported dtype {t.dtype}")


def save_safetensors(tensors, path):
    items = sorted(((k, v.detach().cpu().contiguous()) for k, v in tensors.items()),
                   key=lambda kv: (-_RANK[_dtype_name(kv[1])], kv[0]))
    header, blobs, off = {}, [], 0
    for k, v in items:
        data = v.numpy().astype(_NP[_dtype_name(v)]).tobytes()
        header[k] = {"dtype": _dtype_name(v), "shape": list(v.shape), "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    hb = json.dumps(header, separators=(",", ":")).encode()
    hb += b" " * ((8 - len(hb) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    with open(path, "rb") as f:
        buf = f.read()
    n = struct.unpack("<Q", buf[:8])[0]
    header = json.loads(buf[8 : 8 + n])
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        s, e = v["data_offsets"]
        arr = np.frombuffer(buf[8 + n + s : 8 + n + e], dtype=_NP[v["dtype"]]).reshape(v["shape"]).copy()
        out[k] = torch.from_numpy(arr)
    return out


# --------------------------------------------------------------------------------------------------
# einops shim self-test
# --------------------------------------------------------------------------------------------------


def einops_selftest():
    from einops import rearrange, repeat

    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 5, 12, generator=g)
    h = 4
    ref = x.view(2, 5, h, 3).permute(0, 2, 1, 3)
    assert torch.equal(rearrange(x, "b n (h c) -> b h n c", h=h), ref)
    assert torch.equal(rearrange(ref, "b h n c -> b n (h c)", h=h), x)
    m = torch.rand(2, 7, generator=g) > 0.5
    assert torch.equal(rearrange(m, "b j -> b 1 1 j"), m[:, None, None, :])
    q = torch.randn(8, 48, generator=g)
    assert torch.equal(rearrange(q, "... -> 1 ..."), q[None])
    assert torch.equal(repeat(torch.arange(6), "n -> b n", b=3), torch.arange(6)[None].expand(3, 6))
    y = torch.randn(2, 3, 4, generator=g)
    assert torch.equal(rearrange(y, "b n c -> (b n) c"), y.reshape(6, 4))
    assert torch.equal(rearrange(y.reshape(6, 4), "(b n) c -> b n c", b=2), y)
    assert torch.equal(rearrange(y, "... (c r) -> ... c r", r=2), y.reshape(2, 3, 2, 2))
    assert torch.equal(rearrange(y.reshape(2, 3, 2, 2), "... c r -> ... (c r)"), y)
    assert torch.equal(repeat(y, "... pf -> ... (pf r)", r=2), y.repeat_interleave(2, dim=-1))
    assert torch.equal(rearrange(y, "... c -> (...) c"), y.reshape(6, 4))
    assert torch.equal(repeat(y, "... -> b ...", b=2), y[None].expand(2, 2, 3, 4))
    assert torch.equal(rearrange(y, "b n c -> b 1 n c"), y[:, None])
    print("einops shim self-test: OK")


# --------------------------------------------------------------------------------------------------
# config / model helpers
# --------------------------------------------------------------------------------------------------


def mlm_config(d):
    return MaskedLanguageModelConfig(
        encoder=TextEncoderConfig(**d["encoder"]),
        decoder=TextDecoderConfig(**d["decoder"]),
        **{k: v for k, v in d.items() if k not in ("encoder", "decoder")},
    )


def clf_config(d):
    return TextClassifierConfig(
        encoder=TextEncoderConfig(**d["encoder"]),
        decoder=ClassificationDecoderConfig(**d["decoder"]),
        **{k: v for k, v in d.items() if k not in ("encoder", "decoder")},
    )


def config_json(config):
    # same layout as the shared fixtures: dataclasses.asdict, indent 2, no trailing newline
    return json.dumps(asdict(config), indent=2)


def run_mlm(model, input_ids, pad_mask, labels):
    model.eval()
    model.zero_grad(set_to_none=True)
    logits = model(input_ids, pad_mask)
    # LitMaskedLanguageModel.step: CrossEntropyLoss over (b n) c, ignore_index -100 (mean over masked)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
    loss.backward()
    return logits, loss


def run_clf(model, input_ids, pad_mask, labels):
    model.eval()
    model.zero_grad(set_to_none=True)
    logits = model(input_ids, pad_mask)
    loss = F.cross_entropy(logits, labels)  # LitClassifier.loss_acc: nn.CrossEntropyLoss()
    loss.backward()
    return logits, loss


def io_tensors(inputs, logits, loss, model):
    out = dict(inputs)
    out["logits"] = logits.detach()
    out["loss"] = loss.detach().reshape(1)
    for name, p in model.named_parameters():
        if p.requires_grad:
            out["grad." + name] = p.grad.detach().clone()
    return out


def num_params(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def rel_err(a, b):
    a, b = a.double(), b.double()
    return ((a - b).abs().max() / (b.abs().max() + 1e-6)).item()


# --------------------------------------------------------------------------------------------------
# inputs (built like the shared fixtures)
# --------------------------------------------------------------------------------------------------


def make_text_inputs(seed, mask_positions, pad_from=30, mask_id=4):
    """input_ids [2,40] random ids in 6..261 (torch.Generator seeded with `seed`); the second sequence is
    padded with id 0 from position `pad_from` (pad_mask True there). Returns (clean ids, masked ids,
    mlm labels, pad_mask). mask_positions: per-sequence list of positions replaced by `mask_id`; labels
    hold the original ids there and -100 elsewhere."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(6, 262, (2, 40), generator=g, dtype=torch.int64)
    pad_mask = torch.zeros(2, 40, dtype=torch.bool)
    pad_mask[1, pad_from:] = True
    ids[pad_mask] = 0
    masked = ids.clone()
    labels = torch.full_like(ids, -100)
    for b, positions in enumerate(mask_positions):
        for p in positions:
            assert not pad_mask[b, p]
            labels[b, p] = ids[b, p]
            masked[b, p] = mask_id
    return ids, masked, labels, pad_mask


def write_fixture(name, config, model, io):
    d = os.path.join(FIXTURES, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        f.write(config_json(config))
    save_safetensors(model.state_dict(), os.path.join(d, "model.safetensors"))
    save_safetensors(io, os.path.join(d, "io.safetensors"))
    # round-trip check of the writer
    back = load_safetensors(os.path.join(d, "model.safetensors"))
    sd = model.state_dict()
    assert set(back) == set(sd) and all(torch.equal(back[k], sd[k]) for k in sd)
    back = load_safetensors(os.path.join(d, "io.safetensors"))
    assert set(back) == set(io) and all(torch.equal(back[k], io[k]) for k in io)
    print(f"wrote {d}: {num_params(model):,} trainable parameters, {len(sd)} state_dict tensors, "
          f"loss {io['loss'].item():.6f}")


# --------------------------------------------------------------------------------------------------
# 2. verification against the shared perceiver-io-mlm-tiny fixture
# --------------------------------------------------------------------------------------------------


def verify_mlm_tiny(tol=1e-5):
    d = os.path.join(SHARED, "perceiver-io-mlm-tiny")
    with open(os.path.join(d, "config.json")) as f:
        cfg_text = f.read()
    config = mlm_config(json.loads(cfg_text))
    assert config_json(config) == cfg_text, "config.json layout differs from asdict dump"

    torch.manual_seed(13)
    model = MaskedLanguageModel(config)
    stored_w = load_safetensors(os.path.join(d, "model.safetensors"))
    sd = model.state_dict()
    assert set(sd) == set(stored_w), (set(sd) ^ set(stored_w))
    assert all(sd[k].shape == stored_w[k].shape for k in sd)
    init_same = all(torch.equal(sd[k], stored_w[k]) for k in sd)
    print(f"mlm-tiny: fresh upstream init with torch.manual_seed(13) reproduces stored weights bit-exactly: {init_same}")
    model.load_state_dict(stored_w)

    io = load_safetensors(os.path.join(d, "io.safetensors"))
    logits, loss = run_mlm(model, io["input_ids"], io["pad_mask"], io["labels"])
    errs = {"logits": rel_err(logits.detach(), io["logits"]), "loss": rel_err(loss.detach().reshape(1), io["loss"])}
    gmax, gname = 0.0, None
    grad_names = set()
    for name, p in model.named_parameters():
        grad_names.add("grad." + name)
        e = rel_err(p.grad, io["grad." + name])
        if e > gmax:
            gmax, gname = e, name
    assert grad_names == {k for k in io if k.startswith("grad.")}
    errs["grads (max over tensors)"] = gmax
    print(f"mlm-tiny verification: loss ours {loss.item():.7f} stored {io['loss'].item():.7f}")
    for k, v in errs.items():
        print(f"  max rel err {k}: {v:.3e}" + (f" ({gname})" if k.startswith("grads") else ""))
    # note: k_proj.bias gradients are mathematically zero (softmax is invariant to a per-query shift of the
    # scores), so stored and recomputed values are float round-off (~1e-12); their relative error is noise.
    assert max(errs.values()) <= tol, "pipeline verification FAILED"

    print("mlm-tiny verification: PASSED")
    return errs


def verify_clf_tiny(tol=1e-5):
    """Extra check of the classifier path against the shared perceiver-io-txt-clf-tiny fixture."""
    d = os.path.join(SHARED, "perceiver-io-txt-clf-tiny")
    with open(os.path.join(d, "config.json")) as f:
        cfg_text = f.read()
    config = clf_config(json.loads(cfg_text))
    assert config_json(config) == cfg_text
    model = TextClassifier(config)
    model.load_state_dict(load_safetensors(os.path.join(d, "model.safetensors")))
    io = load_safetensors(os.path.join(d, "io.safetensors"))
    logits, loss = run_clf(model, io["input_ids"], io["pad_mask"], io["labels"])
    errs = {"logits": rel_err(logits.detach(), io["logits"]), "loss": rel_err(loss.detach().reshape(1), io["loss"]),
            "grads (max over tensors)": max(rel_err(p.grad, io["grad." + n]) for n, p in model.named_parameters())}
    print("txt-clf-tiny verification: " + ", ".join(f"{k} {v:.3e}" for k, v in errs.items()))
    assert max(errs.values()) <= tol, "classifier verification FAILED"
    print("txt-clf-tiny verification: PASSED")


# --------------------------------------------------------------------------------------------------
# 3. new fixtures
# --------------------------------------------------------------------------------------------------


def encoder_tiny(**overrides):
    kw = dict(
        num_cross_attention_heads=4, num_cross_attention_qk_channels=32, num_cross_attention_v_channels=64,
        num_cross_attention_layers=1, first_cross_attention_layer_shared=False, cross_attention_widening_factor=1,
        num_self_attention_heads=4, num_self_attention_qk_channels=32, num_self_attention_v_channels=64,
        num_self_attention_layers_per_block=2, num_self_attention_blocks=1, first_self_attention_block_shared=True,
        self_attention_widening_factor=1, dropout=0.0, init_scale=0.02, freeze=False,
        vocab_size=262, max_seq_len=40, num_input_channels=64, params=None,
    )
    kw.update(overrides)
    return TextEncoderConfig(**kw)


def make_mlm_untied():
    seed = 21
    config = MaskedLanguageModelConfig(
        encoder=encoder_tiny(
            num_self_attention_blocks=2, num_self_attention_layers_per_block=2, first_self_attention_block_shared=False,
            num_cross_attention_layers=2, first_cross_attention_layer_shared=False,
        ),
        decoder=TextDecoderConfig(
            num_cross_attention_heads=4, num_cross_attention_qk_channels=32, num_cross_attention_v_channels=64,
            cross_attention_widening_factor=1, cross_attention_residual=False, dropout=0.0, init_scale=0.02,
            freeze=False, num_output_query_channels=40, vocab_size=262, max_seq_len=40,
        ),
        num_latents=8, num_latent_channels=48, activation_checkpointing=False, activation_offloading=False,
    )
    torch.manual_seed(seed)
    model = MaskedLanguageModel(config)
    _, masked, labels, pad_mask = make_text_inputs(seed, mask_positions=[[3, 12, 25, 38], [2, 9, 17, 29]])
    logits, loss = run_mlm(model, masked, pad_mask, labels)
    io = io_tensors({"input_ids": masked, "labels": labels, "pad_mask": pad_mask}, logits, loss, model)
    write_fixture("perceiver-io-mlm-untied", config, model, io)
    return model


def make_txt_clf_blocks():
    seed = 22
    config = TextClassifierConfig(
        encoder=encoder_tiny(
            num_self_attention_blocks=3, num_self_attention_layers_per_block=1, first_self_attention_block_shared=False,
        ),
        decoder=ClassificationDecoderConfig(
            num_cross_attention_heads=4, num_cross_attention_qk_channels=16, num_cross_attention_v_channels=32,
            cross_attention_widening_factor=2, cross_attention_residual=True, dropout=0.0, init_scale=0.02,
            freeze=False, num_output_queries=1, num_output_query_channels=48, num_classes=3,
        ),
        num_latents=8, num_latent_channels=48, activation_checkpointing=False, activation_offloading=False,
    )
    torch.manual_seed(seed)
    model = TextClassifier(config)
    ids, _, _, pad_mask = make_text_inputs(seed, mask_positions=[[], []])
    labels = torch.tensor([2, 1], dtype=torch.int64)
    logits, loss = run_clf(model, ids, pad_mask, labels)
    io = io_tensors({"input_ids": ids, "labels": labels, "pad_mask": pad_mask}, logits, loss, model)
    write_fixture("perceiver-io-txt-clf-blocks", config, model, io)
    return model


def main():
    print(f"torch {torch.__version__}, upstream perceiver-io {UPSTREAM_TAG} ({UPSTREAM_COMMIT})")
    einops_selftest()
    verify_mlm_tiny()
    verify_clf_tiny()
    make_mlm_untied()
    make_txt_clf_blocks()


if __name__ == "__main__":
    main()
