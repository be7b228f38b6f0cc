"""The runnable examples in the facade's docstrings stay correct."""
import doctest
import importlib

import pytest

MODULES = ["functrace.tensors", "functrace.tensors._tensor", "functrace.tensors._factories",
           "functrace.tensors._engine", "functrace.autograd", "functrace.autograd.function",
           "functrace.grad_mode", "functrace.nn", "functrace.nn.modules", "functrace.nn.layers",
           "functrace.nn.loss", "functrace.nn.functional", "functrace.nn.init",
           "functrace.optim", "functrace.optim.sgd", "functrace.optim.adam",
           "functrace.serialization", "functrace.viz"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
