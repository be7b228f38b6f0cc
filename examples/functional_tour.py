"""A short tour of functrace's functional (JAX-style) API.

Run: python examples/functional_tour.py
"""
import numpy as np

import functrace as ft
import functrace.numpy as fnp


def loss(w, x, y):
    """Mean squared error of a tiny linear model with a tanh squashing."""
    pred = fnp.tanh(x @ w)
    return fnp.mean((pred - y) ** 2)


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3))
    y = np.tanh(x @ np.array([0.5, -1.0, 2.0]))
    w = np.zeros(3)

    print("== grad: d sin(x)^2 / dx at 0.5 =", ft.grad(lambda t: fnp.sin(t) ** 2)(0.5))
    print("== second derivative of sin at 0.3:", ft.grad(ft.grad(fnp.sin))(0.3),
          "(expected", -np.sin(0.3), ")")

    print("== the tape of one call:")
    print(ft.make_tape(loss)(w, x, y))

    print("== gradient descent on the linear model")
    value_and_grad = ft.value_and_grad(loss)
    for step in range(201):
        value, g = value_and_grad(w, x, y)
        w = w - 0.5 * g
        if step % 50 == 0:
            print(f"  step {step:3d}  loss {float(value):.6f}")
    print("  learned w =", np.round(w, 3), "(true [0.5, -1, 2])")

    print("== Python control flow on values just works:")

    def collatz_like(t):
        while t < 10.0:                  # comparisons give plain booleans
            t = t * 2.0 if t > 1.0 else t + 1.0
        return t
    print("  d/dx =", ft.grad(collatz_like)(0.75))

    print("== jvp, vjp, jacobian, hessian")
    print("  jvp(sin, 0, 2) =", ft.jvp(fnp.sin, (0.0,), (2.0,)))
    out, f_vjp = ft.vjp(lambda v: v * fnp.arange(3.0), np.ones(3))
    print("  vjp ->", f_vjp(np.ones(3)))
    print("  jacobian of x**2 at [1, 2]:\n", ft.jacobian(lambda v: v ** 2)(np.array([1.0, 2.0])))
    print("  hessian of sum(x**3) at [1, 2]:\n",
          ft.hessian(lambda v: fnp.sum(v ** 3))(np.array([1.0, 2.0])))

    print("== plain numpy code differentiates too (np.* dispatches to functrace):")
    W = rng.standard_normal((2, 3))
    print("  grad of np.sum(np.tanh(W @ x)) =", ft.grad(lambda v: np.sum(np.tanh(W @ v)))(np.ones(3)))


if __name__ == "__main__":
    main()
