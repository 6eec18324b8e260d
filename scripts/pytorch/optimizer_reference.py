"""Prints torch.optim's L-BFGS and Adam trajectories on a small fixed objective, the
reference numbers in Tests/NeuralStyleTests/OptimizerTests.swift.

f(x) = Σ_i ½·d_i·(x_i − c_i)² + 0.05·x_i⁴ with d_i = 1 + i, c_i = sin(i + 1), x₀ = 0.
"""
import math

import torch

N = 6
d = torch.tensor([1.0 + i for i in range(N)])
c = torch.tensor([math.sin(i + 1) for i in range(N)])


def f(x):
    return (0.5 * d * (x - c) ** 2 + 0.05 * x ** 4).sum()


def trajectory(make_optimizer, steps, lbfgs):
    x = torch.zeros(N, requires_grad=True)
    opt, scheduler = make_optimizer(x)
    losses = []

    def closure():
        opt.zero_grad()
        loss = f(x)
        loss.backward()
        losses.append(float(loss.detach()))
        return loss

    if lbfgs:
        opt.step(closure)
    else:
        for _ in range(steps):
            opt.step(closure)
            scheduler.step()
    return losses, x.detach().tolist()


lbfgs = trajectory(lambda x: (torch.optim.LBFGS([x], lr=1, max_iter=8, max_eval=100, history_size=100,
                                                tolerance_grad=-1, tolerance_change=-1), None), 8, True)
adam = trajectory(lambda x: (lambda o: (o, torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)))(
    torch.optim.Adam([x], lr=0.3)), 8, False)
print("lbfgs losses", lbfgs[0], "final x", lbfgs[1])
print("adam losses", adam[0], "final x", adam[1])
