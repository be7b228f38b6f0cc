"""In-place operations and version counters (PyTorch's errors and texts)."""
import numpy as np
import pytest

import functrace as ft


def test_inplace_ops_modify_and_return_self():
    t = ft.tensor([1.0, -2.0, 3.0])
    assert t.add_(1) is t and t.tolist() == [2.0, -1.0, 4.0]
    t.sub_(1).mul_(2).div_(4)
    assert t.tolist() == [0.5, -1.0, 1.5]
    t.clamp_(min=0)
    assert t.tolist() == [0.5, 0.0, 1.5]
    t.fill_(7)
    assert t.tolist() == [7.0, 7.0, 7.0]
    t.zero_()
    assert t.tolist() == [0.0, 0.0, 0.0]
    t.copy_(ft.tensor([1.0, 2.0, 3.0]))
    assert t.tolist() == [1.0, 2.0, 3.0]
    t += 1
    t -= 0.5
    t *= 2
    t /= 3
    assert np.allclose(t.numpy(), [1.0, 5 / 3, 7 / 3])
    t[0] = 10.0
    t[t > 2] = 0.0
    assert np.allclose(t.numpy(), [0.0, 5 / 3, 0.0])
    t.add_(ft.ones(3), alpha=2)
    assert np.allclose(t.numpy(), [2.0, 11 / 3, 2.0])


def test_version_counter_counts_inplace_ops():
    t = ft.zeros(2)
    assert t._version == 0
    t.add_(1)
    t[0] = 3
    t += 1
    assert t._version == 3


def test_inplace_on_leaf_that_requires_grad_raises():
    w = ft.ones(2, requires_grad=True)
    for op in (lambda: w.add_(1), lambda: w.zero_(), lambda: w.__setitem__(0, 2.0),
               lambda: w.mul_(2)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being "
                                               "used in an in-place operation"):
            op()


def test_inplace_on_leaf_is_allowed_under_no_grad():
    w = ft.ones(2, requires_grad=True)
    with ft.no_grad():
        w -= 0.5 * ft.ones(2)
        w[0] = 3.0
    assert w.tolist() == [3.0, 0.5] and w.is_leaf and w.requires_grad


def test_modifying_a_saved_tensor_raises_at_backward():
    a = ft.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 2
    c = b * b                       # saves b
    b.add_(1)
    with pytest.raises(RuntimeError) as err:
        c.sum().backward()
    text = str(err.value)
    assert "one of the variables needed for gradient computation has been modified by an " \
           "inplace operation" in text
    assert "AddBackward0" in text and "is at version 1; expected version 0 instead" in text


def test_modifying_a_saved_output_raises_at_backward():
    x = ft.tensor([0.0, 1.0], requires_grad=True)
    y = x.exp()                     # exp saves its output
    y += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_modifying_a_leaf_through_detach_is_seen():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    y = x * x                       # saves x
    x.detach().mul_(3)
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        y.sum().backward()


def test_inplace_on_non_leaf_changes_grad_fn_and_gradients_flow():
    a = ft.tensor([1.0, 2.0], requires_grad=True)
    b = a * 3
    b.add_(1)
    assert b.grad_fn.name() == "AddBackward0"
    assert b.grad_fn.next_functions[0][0].name() == "MulBackward0"
    b.mul_(b)                       # saves the value before the multiplication
    b.sum().backward()
    # b = (3a + 1)^2 -> db/da = 6 (3a + 1)
    assert a.grad.tolist() == [24.0, 42.0]


def test_inplace_with_an_operand_that_requires_grad():
    w = ft.tensor([1.0, 2.0], requires_grad=True)
    buf = ft.zeros(2)
    buf.add_(w * w)
    assert buf.requires_grad and not buf.is_leaf
    buf.sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]


def test_setitem_records_copy_slices():
    w = ft.tensor([1.0, 2.0, 3.0], requires_grad=True)
    out = ft.zeros(4)
    out[1:] = w * 2
    out[0] = w[0] * 10
    assert out.grad_fn.name() == "CopySlices"
    (out * ft.tensor([1.0, 1.0, 2.0, 3.0])).sum().backward()
    assert w.grad.tolist() == [12.0, 4.0, 6.0]


def test_setitem_overwrites_the_old_gradient_path():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    y[0] = 5.0                      # the old y[0] no longer reaches the output
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0]


def test_zero_and_fill_on_non_leaf_block_the_gradient():
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.zero_()
    assert y.grad_fn.name() == "ZeroBackward0"
    (y + x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("op", [lambda y: y.round_(), lambda y: y.floor_(), lambda y: y.ceil_(),
                                lambda y: y.sign_(), lambda y: y.trunc_()])
def test_inplace_rounding_records_a_zero_gradient_node(op):
    """As torch: the result keeps a node (RoundBackward0, ...) whose gradient is zero, so
    no gradient reaches x through y, and x + y still works."""
    x = ft.tensor([1.4, -2.6], requires_grad=True)
    y = x * 1.0
    assert op(y) is y and y.requires_grad and y.grad_fn is not None
    (x + y).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_inplace_floor_divide_gives_a_constant():
    """floor_divide has no derivative (torch's node raises in backward): a constant here."""
    x = ft.tensor([1.4, -2.6], requires_grad=True)
    y = x * 1.0
    y //= 0.5
    assert not y.requires_grad and y.grad_fn is None
    (x + y).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_inplace_type_and_shape_errors():
    t = ft.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        t.add_(0.5)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        ft.zeros(2).add_(ft.ones(3, 2))


def test_optimizer_style_update_bumps_version():
    w = ft.tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    with ft.no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
