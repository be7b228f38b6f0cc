"""One training step of a tiny ``Net`` (Linear -> sigmoid -> Linear -> sigmoid, MSELoss, SGD).

The weights, inputs and targets are those of Matt Mazur's well-known worked
example "A Step by Step Backpropagation Example", whose hand-computed numbers
(total error 0.298371109, updated weights w1 = 0.149780716, w5 = 0.35891648)
the functrace run reproduces. ``nn.MSELoss`` averages over the 2 outputs,
which is Mazur's error ``sum(1/2 (target - out)^2)``.

Run: python examples/net_step.py [--steps N]
"""
from __future__ import annotations

import argparse

import numpy as np

import functrace as ft
from functrace import nn

MAZUR_LOSS = 0.298371109
MAZUR_W1_AFTER = [[0.149780716, 0.19956143], [0.24975114, 0.29950229]]
MAZUR_W2_AFTER = [[0.35891648, 0.408666186], [0.511301270, 0.561370121]]


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear1 = nn.Linear(2, 2, dtype=ft.float64)
        self.linear2 = nn.Linear(2, 2, dtype=ft.float64)

    def forward(self, x: ft.Tensor) -> ft.Tensor:
        x = ft.sigmoid(self.linear1(x))
        return ft.sigmoid(self.linear2(x))


def mazur_net() -> Net:
    net = Net()
    with ft.no_grad():
        net.linear1.weight.copy_(ft.tensor([[0.15, 0.20], [0.25, 0.30]], dtype=ft.float64))
        net.linear1.bias.fill_(0.35)
        net.linear2.weight.copy_(ft.tensor([[0.40, 0.45], [0.50, 0.55]], dtype=ft.float64))
        net.linear2.bias.fill_(0.60)
    return net


def main(steps: int = 1000) -> float:
    net = mazur_net()
    print(net)
    x = ft.tensor([[0.05, 0.10]], dtype=ft.float64)
    target = ft.tensor([[0.01, 0.99]], dtype=ft.float64)
    criterion = nn.MSELoss()
    optimizer = ft.optim.SGD(net.parameters(), lr=0.5)

    optimizer.zero_grad()
    output = net(x)
    loss = criterion(output, target)
    print("output:", output)
    print(f"loss: {loss.item():.9f}   (Mazur: {MAZUR_LOSS})")
    loss.backward()
    print("dloss/dw (layer 2):", net.linear2.weight.grad)
    optimizer.step()
    print("layer 1 weights after one step:", net.linear1.weight)
    print("layer 2 weights after one step:", net.linear2.weight)
    assert abs(loss.item() - MAZUR_LOSS) < 1e-9
    assert np.allclose(net.linear1.weight.detach().numpy(), MAZUR_W1_AFTER, atol=1e-8)
    assert np.allclose(net.linear2.weight.detach().numpy(), MAZUR_W2_AFTER, atol=1e-8)
    print("matches Mazur's hand-computed step")

    for step in range(1, steps):
        optimizer.zero_grad()
        loss = criterion(net(x), target)
        loss.backward()
        optimizer.step()
    final = criterion(net(x), target).item()
    print(f"loss after {steps} steps: {final:.9f}   output: {net(x).detach()}")
    return final


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    main(parser.parse_args().steps)
