"""pytorch/examples vae, on synthetic 8x8 'strokes' instead of MNIST: the reparameterisation
trick with randn_like, BCE(reduction='sum') + KL loss, Adam, train/test loops with
log_interval, sampling from the prior under no_grad. Then the same model written with
torch.distributions (Normal.rsample, Bernoulli(logits).log_prob, kl_divergence)."""
import argparse
import json

import numpy as np
import torch
import torch.utils.data
from torch import nn, optim
from torch.nn import functional as F
from torch.distributions import Normal, Bernoulli, Independent, kl_divergence

parser = argparse.ArgumentParser(description='VAE Example')
parser.add_argument('--batch-size', type=int, default=64, metavar='N')
parser.add_argument('--epochs', type=int, default=6, metavar='N')
parser.add_argument('--no-cuda', action='store_true', default=False)
parser.add_argument('--seed', type=int, default=1, metavar='S')
parser.add_argument('--log-interval', type=int, default=10, metavar='N')
args = parser.parse_args()
args.cuda = not args.no_cuda and torch.cuda.is_available()
torch.manual_seed(args.seed)
device = torch.device("cuda" if args.cuda else "cpu")
kwargs = {'num_workers': 1, 'pin_memory': True} if args.cuda else {}


def strokes(n, seed):
    """Binary 8x8 images of one horizontal and one vertical bar."""
    rng = np.random.default_rng(seed)
    imgs = np.zeros((n, 1, 8, 8), np.float32)
    rows, cols = rng.integers(0, 8, n), rng.integers(0, 8, n)
    imgs[np.arange(n), 0, rows, :] = 1.0
    imgs[np.arange(n), 0, :, cols] = 1.0
    return torch.from_numpy(imgs), torch.from_numpy(rows)


train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*strokes(1024, 0)),
                                           batch_size=args.batch_size, shuffle=True, **kwargs)
test_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*strokes(256, 1)),
                                          batch_size=args.batch_size, shuffle=False, **kwargs)


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(64, 128)
        self.fc21 = nn.Linear(128, 8)
        self.fc22 = nn.Linear(128, 8)
        self.fc3 = nn.Linear(8, 128)
        self.fc4 = nn.Linear(128, 64)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 64), reduction='sum')
    # see Appendix B from VAE paper: Kingma and Welling. Auto-Encoding Variational Bayes. ICLR, 2014
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


class DistVAE(VAE):
    """The same networks; the ELBO written with torch.distributions."""

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 64))
        q = Normal(mu, torch.exp(0.5 * logvar))
        z = q.rsample()
        logits = self.fc4(F.relu(self.fc3(z)))
        return logits, q

    def elbo_loss(self, x):
        logits, q = self(x)
        likelihood = Independent(Bernoulli(logits=logits), 1)
        prior = Normal(torch.zeros_like(q.loc), torch.ones_like(q.scale))
        return -(likelihood.log_prob(x.view(-1, 64)).sum() - kl_divergence(q, prior).sum())


def init_from_numpy(model, seed):
    rng = np.random.default_rng(seed)
    for name, p in model.named_parameters():
        p.data.copy_(torch.from_numpy(rng.normal(0, 0.1, p.shape).astype(np.float32)))


def train(model, optimizer, epoch, loss_of):
    model.train()
    train_loss = 0
    for batch_idx, (data, _) in enumerate(train_loader):
        data = data.to(device)
        optimizer.zero_grad()
        loss = loss_of(model, data)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item() / len(data)))
    return train_loss / len(train_loader.dataset)


def test(model, loss_of):
    model.eval()
    test_loss = 0
    with torch.no_grad():
        for i, (data, _) in enumerate(test_loader):
            data = data.to(device)
            test_loss += loss_of(model, data).item()
    test_loss /= len(test_loader.dataset)
    print('====> Test set loss: {:.4f}'.format(test_loss))
    return test_loss


def plain_loss(model, data):
    recon_batch, mu, logvar = model(data)
    return loss_function(recon_batch, data, mu, logvar)


results = {}
for name, cls, loss_of in [("vae", VAE, plain_loss), ("dist_vae", DistVAE, DistVAE.elbo_loss)]:
    model = cls().to(device)
    init_from_numpy(model, 0)
    # deterministic quantities at the initial weights, to compare frameworks
    x0 = next(iter(test_loader))[0]
    with torch.no_grad():
        mu, logvar = model.encode(x0.view(-1, 64))
        kld0 = (-0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())).item()
        bce0 = F.binary_cross_entropy(model.decode(mu), x0.view(-1, 64), reduction='sum').item()
        kl_dist0 = kl_divergence(Normal(mu, torch.exp(0.5 * logvar)), Normal(0.0, 1.0)).sum().item()
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    test_losses = [test(model, loss_of)]
    for epoch in range(1, args.epochs + 1):
        train(model, optimizer, epoch, loss_of)
        test_losses.append(test(model, loss_of))
    with torch.no_grad():
        sample = torch.randn(16, 8).to(device)
        sample = model.decode(sample).cpu()
        assert sample.shape == (16, 64) and 0 <= sample.min() and sample.max() <= 1
    assert test_losses[-1] < 0.6 * test_losses[0], test_losses
    results[name] = {"kld0": kld0, "bce0": bce0, "kl_dist0": kl_dist0, "test_losses": test_losses}
print(json.dumps(results))
