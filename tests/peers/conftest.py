"""Oracle tests against peers that import torchvision (Zennit, pytorch-grad-cam).

They run only in the optional peers environment (`make test-peers`: torch 2.14.1 and torchvision
0.29.1 beside zennit and grad-cam, in `.venv-peers`); the default `make test` ignores this folder
(pyproject's addopts), so it stays fast and needs neither.
"""
