"""Minimal einops stand-in for running krasserm/perceiver-io model code offline.

Implements exactly the rearrange/repeat patterns used by perceiver/model/core/{adapter,position,modules}.py
(and the flatten patterns of the lightning step, for completeness), each with explicit torch ops.
Any other pattern raises NotImplementedError, so nothing is silently approximated.
"""
import torch

__all__ = ["rearrange", "repeat"]


def _norm(p):
    return " ".join(p.split())


def rearrange(x, pattern, **axes):
    p = _norm(pattern)
    if p == "... -> 1 ...":                      # adapter.TrainableQueryProvider
        return x.unsqueeze(0)
    if p == "b n c -> b 1 n c":                  # position.RotaryPositionEmbedding
        return x.unsqueeze(1)
    if p == "... (c r) -> ... c r":              # position._rotate_half
        r = axes["r"]
        return x.reshape(*x.shape[:-1], x.shape[-1] // r, r)
    if p == "... c r -> ... (c r)":              # position._rotate_half
        return x.reshape(*x.shape[:-2], x.shape[-2] * x.shape[-1])
    if p == "... c -> (...) c":                  # position.FourierPositionEncoding (unused here)
        return x.reshape(-1, x.shape[-1])
    if p == "b n (h c) -> b h n c":              # modules.MultiHeadAttention
        h = axes["h"]
        b, n, hc = x.shape
        return x.reshape(b, n, h, hc // h).permute(0, 2, 1, 3)
    if p == "b h n c -> b n (h c)":              # modules.MultiHeadAttention
        b, h, n, c = x.shape
        if "h" in axes:
            assert axes["h"] == h
        return x.permute(0, 2, 1, 3).reshape(b, n, h * c)
    if p == "b j -> b 1 1 j":                    # modules.MultiHeadAttention pad mask
        return x[:, None, None, :]
    if p in ("(b n) c -> b n c", "(b n) f -> b n f"):  # modules.PerceiverAR prefix dropout (training only)
        b = axes["b"]
        return x.reshape(b, x.shape[0] // b, x.shape[1])
    if p == "(b n) -> b n":
        b = axes["b"]
        return x.reshape(b, x.shape[0] // b)
    if p == "b n c -> (b n) c":                  # lightning step
        return x.reshape(-1, x.shape[-1])
    if p == "b n -> (b n)":
        return x.reshape(-1)
    raise NotImplementedError(f"einops shim: rearrange pattern not supported: {pattern!r}")


def repeat(x, pattern, **axes):
    p = _norm(pattern)
    if p == "n -> b n":                          # position.positions
        return x.unsqueeze(0).expand(axes["b"], x.shape[0])
    if p == "... pf -> ... (pf r)":              # position.FrequencyPositionEncoding: f0,f0,f1,f1,...
        r = axes["r"]
        return x.unsqueeze(-1).expand(*x.shape, r).reshape(*x.shape[:-1], x.shape[-1] * r)
    if p == "... -> b ...":                      # position.FourierPositionEncoding (unused here)
        return x.unsqueeze(0).expand(axes["b"], *x.shape)
    raise NotImplementedError(f"einops shim: repeat pattern not supported: {pattern!r}")
