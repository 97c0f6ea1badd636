"""torch.backends.cuda's switches (``backends.cuda.matmul.allow_tf32 = True``), kept as
plain attributes: nothing here runs on a GPU."""


class _Matmul:
    allow_tf32 = False
    allow_fp16_reduced_precision_reduction = True
    allow_bf16_reduced_precision_reduction = True


matmul = _Matmul()


def is_built():
    """Returns whether this build has CUDA support: False (CPU only).

    >>> torch.backends.cuda.is_built()
    False
    >>> torch.backends.cuda.matmul.allow_tf32
    False
    """
    return False
