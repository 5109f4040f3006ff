#!/usr/bin/python3
"""Produce Perceiver AR causal-LM reference fixtures by running the UPSTREAM krasserm/perceiver-io model code.

Upstream source: bare mirror /work/.mirror/krasserm+perceiver-io/repo, HEAD 46c63250d93eb351bcd8ff8ba9113f5025941dd9
(version 0.11.1), extracted unmodified with
    git -C /work/.mirror/krasserm+perceiver-io/repo archive HEAD perceiver | tar -x -C job/src/test/python/perceiver-ar-fixtures/upstream

Run:
    /usr/bin/python3 job/src/test/python/perceiver-ar-fixtures/make_fixtures.py
then copy the folders it writes next to itself into job/src/test/resources/fixtures/.

Offline shims (shims/ next to this script, put first on sys.path below):
  * einops    - rearrange/repeat for exactly the patterns used by upstream's model files (explicit torch ops,
                anything else raises NotImplementedError)
  * fairscale - fairscale.nn.checkpoint_wrapper returning the module unchanged (never called: checkpointing off)
  * perceiver.model.text.clm is registered as a bare package so its __init__.py (which imports the huggingface
    and lightning wrappers -> transformers / pytorch_lightning) is not executed; the backend module itself is
    imported from the upstream file unchanged.
No upstream model math is changed.
"""
import json
import os
import struct
import sys
import types
from dataclasses import asdict

HERE = os.path.dirname(os.path.abspath(__file__))
UPSTREAM = os.path.join(HERE, "upstream")
sys.path.insert(0, os.path.join(HERE, "shims"))
sys.path.insert(0, UPSTREAM)

# Stub package: skip perceiver/model/text/clm/__init__.py (imports transformers + lightning).
_clm_pkg = types.ModuleType("perceiver.model.text.clm")
_clm_pkg.__path__ = [os.path.join(UPSTREAM, "perceiver", "model", "text", "clm")]
sys.modules["perceiver.model.text.clm"] = _clm_pkg

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from perceiver.model.text.clm.backend import CausalLanguageModel, CausalLanguageModelConfig  # noqa: E402

assert os.path.abspath(sys.modules["perceiver.model.core.modules"].__file__).startswith(UPSTREAM)
assert sys.modules["einops"].__file__.startswith(os.path.join(HERE, "shims"))

# ----------------------------------------------------------------------------------------------- safetensors

_DT = {torch.float32: ("F32", np.float32), torch.int64: ("I64", np.int64), torch.bool: ("BOOL", np.bool_)}
_DT_BACK = {"F32": np.float32, "I64": np.int64, "BOOL": np.bool_, "F64": np.float64}


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        code, npdt = _DT[t.dtype]
        b = t.numpy().astype(np.dtype(npdt).newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)  # pad header to 8-byte alignment (allowed by the format)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        arr = np.frombuffer(data[base + b : base + e], dtype=np.dtype(_DT_BACK[info["dtype"]]).newbyteorder("<"))
        out[name] = torch.from_numpy(arr.astype(_DT_BACK[info["dtype"]]).reshape(info["shape"]).copy())
    return out


# ----------------------------------------------------------------------------------------------- loss / run


def run(model, input_ids, pad_mask):
    """Loss exactly as upstream LitCausalSequenceModel.step, with the last label (no next token) = -100."""
    b, seq_len = input_ids.shape
    labels = torch.full_like(input_ids, -100)
    labels[:, :-1] = input_ids[:, 1:]
    if pad_mask is not None:
        labels[pad_mask] = -100  # upstream: labels[pad_mask] = -100
    max_lat = model.max_latents
    prefix_len = seq_len - max_lat
    model.zero_grad(set_to_none=True)
    logits = model(input_ids, prefix_len=prefix_len, pad_mask=pad_mask).logits
    labels = labels[:, -logits.shape[1] :]
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
    loss.backward()
    grads = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            assert p.grad is not None, name
            grads[name] = p.grad.detach().clone()
    return prefix_len, logits.detach(), loss.detach(), grads


def max_rel(a, b):
    a, b = a.double(), b.double()
    return ((a - b).abs().max() / (b.abs().max() + 1e-6)).item()


# ----------------------------------------------------------------------------------------------- fixtures


def make_fixture(name, config_kwargs, batch, seq_len, seed, pad_lens=None):
    out_dir = os.path.join(HERE, name)
    os.makedirs(out_dir, exist_ok=True)

    torch.manual_seed(seed)
    config = CausalLanguageModelConfig(**config_kwargs)
    model = CausalLanguageModel(config).float().eval()
    input_ids = torch.randint(0, config.vocab_size, (batch, seq_len), dtype=torch.int64)

    pad_mask = None
    if pad_lens is not None:
        pad_mask = torch.zeros(batch, seq_len, dtype=torch.bool)
        for i, p in enumerate(pad_lens):
            pad_mask[i, :p] = True
        input_ids[pad_mask] = 0  # left padding, pad id 0

    prefix_len, logits, loss, grads = run(model, input_ids, pad_mask)

    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(asdict(config), f, indent=2)
    state = {k: v for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(out_dir, "model.safetensors"), state)
    io = {
        "input_ids": input_ids,
        "prefix_len": torch.tensor([prefix_len], dtype=torch.int64),
        "logits": logits,
        "loss": loss.reshape(1),
    }
    if pad_mask is not None:
        io["pad_mask"] = pad_mask
    for k, g in grads.items():
        io["grad." + k] = g
    write_safetensors(os.path.join(out_dir, "io.safetensors"), io)

    # ---- verification: re-read both files, rebuild a fresh model from the file, recompute ----
    st_back = read_safetensors(os.path.join(out_dir, "model.safetensors"))
    io_back = read_safetensors(os.path.join(out_dir, "io.safetensors"))
    assert set(st_back) == set(state)
    for k in state:
        assert torch.equal(st_back[k], state[k]), k
    assert set(io_back) == set(io)
    for k in io:
        assert io_back[k].dtype == io[k].dtype and torch.equal(io_back[k], io[k]), k

    torch.manual_seed(12345)  # different init, then overwritten by the file
    model2 = CausalLanguageModel(CausalLanguageModelConfig(**json.load(open(os.path.join(out_dir, "config.json")))))
    model2.load_state_dict(st_back, strict=True)
    model2.eval()
    pm = io_back.get("pad_mask")
    _, logits2, loss2, grads2 = run(model2, io_back["input_ids"], pm)
    assert torch.equal(logits2, io_back["logits"]) and torch.equal(loss2.reshape(1), io_back["loss"])
    for k in grads2:
        assert torch.equal(grads2[k], io_back["grad." + k]), k

    # float64 re-run (same weights) to show the float32 rounding level of the stored values
    model64 = CausalLanguageModel(config).double().eval()
    model64.load_state_dict({k: v.double() for k, v in st_back.items()})
    _, logits64, loss64, grads64 = run(model64, io_back["input_ids"], pm)
    worst_grad = max(max_rel(grads[k], grads64[k]) for k in grads)

    # no-padding fixtures: an all-False pad_mask must give identical results (what upstream's collator passes)
    if pad_mask is None:
        _, logits_f, loss_f, _ = run(model2, io_back["input_ids"], torch.zeros(batch, seq_len, dtype=torch.bool))
        assert torch.equal(logits_f, logits) and torch.equal(loss_f, loss), "all-False pad_mask differs"

    n_params = sum(p.numel() for p in model.parameters())
    print(f"== {name}")
    print(f"   config: {json.dumps(asdict(config))}")
    print(f"   parameters: {n_params}, state_dict entries: {len(state)}, grads: {len(grads)}")
    print(f"   input_ids {list(input_ids.shape)}, prefix_len {prefix_len}, logits {list(logits.shape)}")
    print(f"   loss = {loss.item():.9g} (float64 re-run: {loss64.item():.12g})")
    print(f"   float32 vs float64: logits max rel {max_rel(logits, logits64):.2e}, worst grad max rel {worst_grad:.2e}")
    return loss.item()


def check_existing_tiny():
    """Reproduce the shared perceiver-ar-clm-tiny fixture with this harness (validates shims + loss)."""
    d = "/work/shared/fixtures/reference/perceiver-ar-clm-tiny"
    if not os.path.isdir(d):
        return
    cfg = CausalLanguageModelConfig(**json.load(open(os.path.join(d, "config.json"))))
    st = read_safetensors(os.path.join(d, "model.safetensors"))
    io = read_safetensors(os.path.join(d, "io.safetensors"))
    model = CausalLanguageModel(cfg)
    model.load_state_dict(st, strict=True)
    model.eval()
    prefix_len, logits, loss, grads = run(model, io["input_ids"], None)
    assert prefix_len == io["prefix_len"].item()
    print("== check against shared perceiver-ar-clm-tiny (produced under torch 2.11)")
    print(f"   logits max rel {max_rel(logits, io['logits']):.2e}, loss {loss.item():.9g} vs {io['loss'].item():.9g}, "
          f"worst grad max rel {max(max_rel(grads[k], io['grad.' + k]) for k in grads):.2e}, "
          f"grad names match: {sorted('grad.' + k for k in grads) == sorted(k for k in io if k.startswith('grad.'))}")


if __name__ == "__main__":
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}")
    check_existing_tiny()

    make_fixture(
        "perceiver-ar-clm-padded",
        dict(
            vocab_size=262,
            max_seq_len=48,
            max_latents=16,
            num_channels=64,
            num_heads=4,
            num_self_attention_layers=2,
            num_self_attention_rotary_layers=1,
            abs_pos_emb=True,
            output_bias=True,
        ),
        batch=3,
        seq_len=40,
        seed=21,
        pad_lens=[0, 7, 30],
    )

    make_fixture(
        "perceiver-ar-clm-model2-options",
        dict(
            vocab_size=100,
            max_seq_len=32,
            max_latents=12,
            num_channels=48,
            num_heads=3,
            num_self_attention_layers=3,
            num_self_attention_rotary_layers=-1,
            cross_attention_widening_factor=2,
            self_attention_widening_factor=3,
            abs_pos_emb=False,
            output_norm=True,
            output_bias=False,
            init_scale=0.05,
        ),
        batch=2,
        seq_len=32,
        seed=22,
    )
