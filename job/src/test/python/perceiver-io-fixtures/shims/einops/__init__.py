"""Minimal local stand-in for `einops` (not installable here): `rearrange` and `repeat`
for the pattern language subset used by krasserm/perceiver-io 0.11.1:
named axes, parenthesised groups "(h c)", literal "1" axes, and a single "..." ellipsis.
Implemented as reshape (split groups) -> permute -> (expand for new repeat axes) -> reshape
(merge groups), which is what einops does.  Only torch tensors are supported."""
import math

import torch

__all__ = ["rearrange", "repeat"]


def _parse(side):
    """Parse one side of a pattern into a list of groups; each group is a list of axis names
    ('1' for a literal unit axis, '...' for the ellipsis). Ungrouped axes are 1-element groups
    (flagged grouped=False)."""
    groups = []
    tokens = side.replace("(", " ( ").replace(")", " ) ").split()
    cur = None
    for t in tokens:
        if t == "(":
            if cur is not None:
                raise ValueError("nested parentheses not supported")
            cur = []
        elif t == ")":
            if cur is None:
                raise ValueError("unbalanced parentheses")
            groups.append((True, cur))
            cur = None
        else:
            if t != "..." and t != "1" and not t.isidentifier():
                raise ValueError(f"unsupported axis token {t!r}")
            if cur is not None:
                cur.append(t)
            else:
                groups.append((False, [t]))
    if cur is not None:
        raise ValueError("unbalanced parentheses")
    return groups


def _expand_ellipsis(groups, n_ell):
    ell = [f"__ell{i}" for i in range(n_ell)]
    out = []
    for grouped, names in groups:
        if not grouped and names == ["..."]:
            out.extend((False, [e]) for e in ell)
            continue
        new = []
        for nm in names:
            new.extend(ell if nm == "..." else [nm])
        out.append((grouped, new))
    return out, ell


def _count_ellipsis(groups):
    return sum(nm == "..." for _, names in groups for nm in names)


def _apply(tensor, pattern, sizes, allow_new):
    if "->" not in pattern:
        raise ValueError("pattern must contain '->'")
    left_s, right_s = pattern.split("->")
    left, right = _parse(left_s), _parse(right_s)
    if _count_ellipsis(left) > 1 or _count_ellipsis(right) > 1:
        raise ValueError("at most one ellipsis per side")
    if _count_ellipsis(right) and not _count_ellipsis(left):
        raise ValueError("ellipsis on right side only")
    for grouped, names in left:
        if grouped and "..." in names:
            raise ValueError("ellipsis inside a group on the left side not supported")

    n_fixed_left = len(left) - (1 if _count_ellipsis(left) else 0)
    n_ell = tensor.dim() - n_fixed_left if _count_ellipsis(left) else 0
    if n_ell < 0 or (not _count_ellipsis(left) and len(left) != tensor.dim()):
        raise ValueError(f"pattern {pattern!r} does not match tensor of rank {tensor.dim()}")
    left, ell = _expand_ellipsis(left, n_ell)
    right, _ = _expand_ellipsis(right, n_ell)

    # resolve elementary axis sizes from the input shape
    known = dict(sizes)
    elem_left = []  # elementary axes of the left side, in order (excluding literal '1')
    split_shape = []
    for dim, (grouped, names) in zip(tensor.shape, left):
        names_nz = [nm for nm in names if nm != "1"]
        unknown = [nm for nm in names_nz if nm not in known]
        prod_known = math.prod(known[nm] for nm in names_nz if nm in known)
        if len(unknown) > 1:
            raise ValueError(f"cannot infer sizes of {unknown}")
        if unknown:
            if dim % prod_known:
                raise ValueError("shape mismatch")
            known[unknown[0]] = dim // prod_known
        elif prod_known != dim:
            raise ValueError(f"shape mismatch for group {names}: {dim} != {prod_known}")
        for nm in names_nz:
            if nm in elem_left:
                raise ValueError(f"duplicate axis {nm}")
            elem_left.append(nm)
            split_shape.append(known[nm])

    elem_right = [nm for _, names in right for nm in names if nm != "1"]
    if len(set(elem_right)) != len(elem_right):
        raise ValueError("duplicate axis on right side")
    missing = [nm for nm in elem_left if nm not in elem_right]
    if missing:
        raise ValueError(f"axes {missing} missing on right side (reductions not supported)")
    new_axes = [nm for nm in elem_right if nm not in elem_left]
    if new_axes and not allow_new:
        raise ValueError(f"new axes {new_axes} in rearrange")
    for nm in new_axes:
        if nm not in known:
            raise ValueError(f"size of new axis {nm} not given")

    x = tensor.reshape(split_shape)
    # permute existing axes into right-side order, inserting size-1 dims for new axes
    perm = [elem_left.index(nm) for nm in elem_right if nm in elem_left]
    x = x.permute(perm)
    if new_axes:
        view_shape, exp_shape = [], []
        it = iter(x.shape)
        for nm in elem_right:
            if nm in elem_left:
                s = next(it)
                view_shape.append(s)
                exp_shape.append(s)
            else:
                view_shape.append(1)
                exp_shape.append(known[nm])
        x = x.reshape(view_shape).expand(exp_shape)
    out_shape = []
    for grouped, names in right:
        out_shape.append(math.prod(known[nm] for nm in names if nm != "1") if names else 1)
    return x.reshape(out_shape)


def rearrange(tensor, pattern, **axes_lengths):
    return _apply(tensor, pattern, axes_lengths, allow_new=False)


def repeat(tensor, pattern, **axes_lengths):
    # einops.repeat returns a materialised (contiguous) tensor
    return _apply(tensor, pattern, axes_lengths, allow_new=True).contiguous()
