"""Stub of fairscale.nn.checkpoint_wrapper: returns the module unchanged (activation checkpointing is off
in all fixtures, so upstream never calls it; checkpointing would not change values anyway)."""


def checkpoint_wrapper(module, offload_to_cpu=False, **kwargs):
    return module
