"""Second-order and higher-order gradients as research code uses them. (1) LBFGS with a
closure fitting a small regression (with and without the strong-Wolfe line search), as in
pytorch/examples time_sequence_prediction. (2) A WGAN-GP on a 2-D mixture in the style of
eriklindernoren/PyTorch-GAN: Variable/FloatTensor idioms, the gradient penalty from
autograd.grad(create_graph=True, retain_graph=True, only_inputs=True), n_critic steps."""
import argparse
import json

import numpy as np
import torch
import torch.autograd as autograd
import torch.nn as nn
from torch.autograd import Variable

parser = argparse.ArgumentParser()
parser.add_argument("--n_epochs", type=int, default=600)
parser.add_argument("--n_critic", type=int, default=5)
parser.add_argument("--lambda_gp", type=float, default=10.0)
parser.add_argument("--numpy-rng", action="store_true", help="draw noise with NumPy (to compare)")
opt = parser.parse_args()
torch.manual_seed(0)
np.random.seed(0)
out = {}

# ---- (1) LBFGS -----------------------------------------------------------------------
rng = np.random.default_rng(0)
x = torch.linspace(-1, 1, 64, dtype=torch.float64).unsqueeze(1)
y = torch.sin(3 * x) + 0.05 * torch.from_numpy(rng.standard_normal((64, 1)))
for line_search in (None, "strong_wolfe"):
    model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1)).double()
    for p in model.parameters():
        p.data = torch.from_numpy(np.random.default_rng(1).normal(0, 0.5, p.shape))
    criterion = nn.MSELoss()
    optimizer = torch.optim.LBFGS(model.parameters(), lr=0.8 if line_search is None else 1,
                                  max_iter=20, history_size=10, line_search_fn=line_search)
    history = []
    for i in range(8):
        def closure():
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            return loss
        loss = optimizer.step(closure)
        history.append(loss.item())
    print(f"LBFGS line_search={line_search}: loss {history[0]:.4f} -> {history[-1]:.6f}")
    assert history[-1] < 0.1 * history[0]
    out[f"lbfgs_{line_search}"] = history
    out[f"lbfgs_{line_search}_n_iter"] = list(optimizer.state.values())[0]["n_iter"]

# ---- (2) WGAN-GP ---------------------------------------------------------------------
cuda = True if torch.cuda.is_available() else False
Tensor = torch.cuda.FloatTensor if cuda else torch.FloatTensor
latent_dim = 4


def sample_real(n):
    centers = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.0], [0.0, -2.0]])
    return centers[np.random.randint(0, 4, n)] + 0.1 * np.random.randn(n, 2)


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.model = nn.Sequential(nn.Linear(latent_dim, 64), nn.LeakyReLU(0.2, inplace=True),
                                   nn.Linear(64, 64), nn.LeakyReLU(0.2, inplace=True), nn.Linear(64, 2))

    def forward(self, z):
        return self.model(z)


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.model = nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2, inplace=True),
                                   nn.Linear(64, 64), nn.LeakyReLU(0.2, inplace=True), nn.Linear(64, 1))

    def forward(self, img):
        return self.model(img)


def compute_gradient_penalty(D, real_samples, fake_samples):
    """Calculates the gradient penalty loss for WGAN GP"""
    # Random weight term for interpolation between real and fake samples
    alpha = Tensor(np.random.random((real_samples.size(0), 1)))
    # Get random interpolation between real and fake samples
    interpolates = (alpha * real_samples + ((1 - alpha) * fake_samples)).requires_grad_(True)
    d_interpolates = D(interpolates)
    fake = Variable(Tensor(real_samples.shape[0], 1).fill_(1.0), requires_grad=False)
    # Get gradient w.r.t. interpolates
    gradients = autograd.grad(outputs=d_interpolates, inputs=interpolates, grad_outputs=fake,
                              create_graph=True, retain_graph=True, only_inputs=True)[0]
    gradients = gradients.view(gradients.size(0), -1)
    gradient_penalty = ((gradients.norm(2, dim=1) - 1) ** 2).mean()
    return gradient_penalty


generator, discriminator = Generator(), Discriminator()
for net, seed in ((generator, 2), (discriminator, 3)):
    r = np.random.default_rng(seed)
    for p in net.parameters():
        p.data.copy_(torch.from_numpy(r.uniform(-0.15, 0.15, tuple(p.shape)).astype(np.float32)))
optimizer_G = torch.optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.9))
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.9))


def noise(n):
    if opt.numpy_rng:
        return Variable(Tensor(np.random.normal(0, 1, (n, latent_dim))))
    return torch.randn(n, latent_dim)


with torch.no_grad():
    radius0 = generator(noise(512)).norm(dim=1).mean().item()
d_losses, g_losses, gps = [], [], []
for i in range(opt.n_epochs):
    real_imgs = Variable(Tensor(sample_real(64)))
    optimizer_D.zero_grad()
    z = noise(64)
    fake_imgs = generator(z)
    real_validity = discriminator(real_imgs)
    fake_validity = discriminator(fake_imgs)
    gradient_penalty = compute_gradient_penalty(discriminator, real_imgs.data, fake_imgs.data)
    d_loss = -torch.mean(real_validity) + torch.mean(fake_validity) + opt.lambda_gp * gradient_penalty
    d_loss.backward()
    optimizer_D.step()
    optimizer_G.zero_grad()
    d_losses.append(d_loss.item())
    gps.append(gradient_penalty.item())
    if i % opt.n_critic == 0:
        fake_imgs = generator(z)
        fake_validity = discriminator(fake_imgs)
        g_loss = -torch.mean(fake_validity)
        g_loss.backward()
        optimizer_G.step()
        g_losses.append(g_loss.item())
    if i % 100 == 0:
        print("[Batch %d/%d] [D loss: %f] [G loss: %f] [GP: %f]" % (i, opt.n_epochs, d_loss.item(), g_losses[-1],
                                                                    gradient_penalty.item()))

with torch.no_grad():
    samples = generator(noise(512))
    real = torch.from_numpy(sample_real(512)).float()
# the generated cloud spread out towards the four modes: compare its radii with the data's
radius, real_radius = samples.norm(dim=1).mean().item(), real.norm(dim=1).mean().item()
print("mean radius: generated %.3f (at start %.3f), real %.3f" % (radius, radius0, real_radius))
out.update(d_losses=d_losses, g_losses=g_losses, gps=gps, radius=radius, radius0=radius0, real_radius=real_radius)
print(json.dumps(out))
