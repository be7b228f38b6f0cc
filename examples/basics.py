"""Autograd basics, as in the PyTorch tutorials, with ``import functrace as ft``.

Covers ``x**2``, ``a**3``, ``z = y + 3``, ``no_grad``, ``detach``,
``retain_graph`` and freezing parameters with ``requires_grad = False``.

Run: python examples/basics.py
"""
from __future__ import annotations

from typing import Optional

import functrace as ft


def square() -> Optional[ft.Tensor]:
    print("== y = x**2 at x = 3: dy/dx = 2x = 6")
    x = ft.tensor(3.0, requires_grad=True)
    y = x ** 2
    print("  y =", y)
    y.backward()
    print("  x.grad =", x.grad)
    return x.grad


def cube() -> Optional[ft.Tensor]:
    print("== Q = 3a**3 - b**2 with a = [2, 3], b = [6, 4]: dQ/da = 9a**2, dQ/db = -2b")
    a = ft.tensor([2.0, 3.0], requires_grad=True)
    b = ft.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a ** 3 - b ** 2
    Q.backward(gradient=ft.tensor([1.0, 1.0]))     # Q is a vector: pass dQ/dQ
    print("  a.grad =", a.grad, " 9a**2 =", 9 * a.detach() ** 2)
    print("  b.grad =", b.grad, " -2b =", -2 * b.detach())
    return a.grad


def chain() -> Optional[ft.Tensor]:
    print("== y = x + 2, z = y * y * 3, out = z.mean() at x = ones(2, 2): d out/dx = 4.5")
    x = ft.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    print("  y =", y)
    print("  z =", z)
    print("  out =", out)
    out.backward()
    print("  x.grad =", x.grad)
    return x.grad


def plus_three() -> None:
    print("== z = y + 3: every result of an operation on a tensor that requires grad")
    y = ft.tensor([1.0, 2.0], requires_grad=True)
    z = y + 3
    print("  z =", z, " z.grad_fn.next_functions =", z.grad_fn.next_functions)


def no_grad_and_detach() -> None:
    print("== no_grad and detach stop the recording")
    x = ft.tensor([1.0, 2.0], requires_grad=True)
    print("  (x ** 2).requires_grad =", (x ** 2).requires_grad)
    with ft.no_grad():
        print("  inside no_grad: (x ** 2).requires_grad =", (x ** 2).requires_grad)
    d = x.detach()
    print("  x.detach().requires_grad =", d.requires_grad, " same values:", x.eq(d).all())


def retain_graph() -> Optional[ft.Tensor]:
    print("== backward twice needs retain_graph=True; gradients accumulate")
    x = ft.tensor(2.0, requires_grad=True)
    y = x ** 3                                      # dy/dx = 3x**2 = 12
    y.backward(retain_graph=True)
    print("  after the first backward  x.grad =", x.grad)
    y.backward()
    print("  after the second backward x.grad =", x.grad, "(accumulated)")
    try:
        y.backward()
    except RuntimeError as err:
        print("  a third backward fails:", str(err).split(".")[0] + ".")
    assert x.grad is not None                       # (for type checkers)
    x.grad.zero_()
    print("  after x.grad.zero_()      x.grad =", x.grad)
    return x.grad


def freezing() -> None:
    print("== freezing: parameters with requires_grad = False get no gradient")
    model = ft.nn.Sequential(ft.nn.Linear(3, 4), ft.nn.ReLU(), ft.nn.Linear(4, 1))
    for p in model[0].parameters():
        p.requires_grad = False
    opt = ft.optim.SGD(model.parameters(), lr=0.1)
    before = model[0].weight.detach().clone()
    loss = model(ft.randn(5, 3)).pow(2).mean()
    loss.backward()
    opt.step()
    print("  frozen layer grad:", model[0].weight.grad, " trained layer grad shape:",
          tuple(model[2].weight.grad.shape))
    print("  frozen layer unchanged by the step:", ft.equal(before, model[0].weight))


def main() -> None:
    ft.manual_seed(0)
    square()
    cube()
    chain()
    plus_three()
    no_grad_and_detach()
    retain_graph()
    freezing()


if __name__ == "__main__":
    main()
