"""The runnable examples in the facade's docstrings stay correct."""
import doctest
import importlib

import pytest

MODULES = ["functrace.tensors", "functrace.tensors._tensor", "functrace.tensors._factories",
           "functrace.tensors._engine", "functrace.tensors._types", "functrace.autograd",
           "functrace.autograd.function",
           "functrace.grad_mode", "functrace.nn", "functrace.nn.modules", "functrace.nn.layers",
           "functrace.nn.loss", "functrace.nn.functional", "functrace.nn.init",
           "functrace.nn.conv", "functrace.nn.pooling", "functrace.nn.normalization",
           "functrace.nn._functional_conv", "functrace.nn._functional_pool",
           "functrace.nn._functional_norm",
           "functrace.optim", "functrace.optim.sgd", "functrace.optim.adam",
           "functrace.optim.rmsprop", "functrace.optim.adagrad", "functrace.optim.adamax",
           "functrace.optim.nadam", "functrace.optim.lbfgs", "functrace.optim.lr_scheduler",
           "functrace.optim._lr_composite", "functrace.tensors._device",
           "functrace.tensors._random", "functrace.cuda", "functrace.backends",
           "functrace.utils.data", "functrace.utils.data.dataset",
           "functrace.utils.data.sampler", "functrace.utils.data._collate",
           "functrace.utils.data.dataloader", "functrace.serialization", "functrace.viz"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
