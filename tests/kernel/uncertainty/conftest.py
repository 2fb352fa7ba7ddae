"""Fixtures of the uncertainty tests."""

import pytest
import torch


@pytest.fixture
def float64():
    """Float64 as the default dtype, for float64 models: the runner's shape probe then matches them,
    and closed forms and finite differences are checked to many digits."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)
