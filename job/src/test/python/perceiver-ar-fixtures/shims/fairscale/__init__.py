"""Stub of fairscale: only what perceiver/model/core/modules.py imports."""
