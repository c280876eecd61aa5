"""The train stage (`coderl train`), split by concern; ``loop`` is the stage (``train``, ``main``).

- ``batches``: groups rows -> token ids -> length-bucketed micro-batches (``Example``, ``encode``, ``collate``).
- ``loss``: the loss math in small pure functions, and the forward pass at completion positions.
- ``checkpoint``: run fingerprint, atomic save, resume.
- ``cost``: the cost report (cost.json).
- ``offline``: the source of offline micro-batches (rloo, sft); ``online``: online RLOO's source, which samples
  and judges programs every step and plugs into the loop without the loop importing it.
- ``distributed``: what differs between one process and several (DDP, FSDP through accelerate).
- ``loop``: the training loop, top to bottom, and ``main`` (params, launch, which source).
"""
