"""Minimal local stand-in for `fairscale` (only `fairscale.nn.checkpoint_wrapper` is imported by
perceiver-io 0.11.1, and only used when activation_checkpointing=True, which the fixtures don't use)."""
