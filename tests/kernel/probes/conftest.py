"""Fixtures the probe tests share."""

import pytest
import torch


@pytest.fixture
def image():
    return torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(3))
