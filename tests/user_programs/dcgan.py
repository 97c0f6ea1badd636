"""pytorch/examples dcgan / the DCGAN tutorial, at 16x16 on synthetic blob images: a
ConvTranspose2d + BatchNorm2d + ReLU generator, a Conv2d + LeakyReLU discriminator,
weights_init applied with model.apply (classname.find('Conv'), m.weight.data.normal_),
BCELoss with real/fake labels filled in place, .detach() for the D step, Adam(betas=(0.5, 0.999))."""
import argparse
import json

import numpy as np
import torch
import torch.nn as nn
import torch.nn.parallel
import torch.optim as optim
import torch.utils.data

parser = argparse.ArgumentParser()
parser.add_argument('--niter', type=int, default=4)
parser.add_argument('--batchSize', type=int, default=32)
parser.add_argument('--manualSeed', type=int, default=999)
parser.add_argument('--numpy-rng', action='store_true',
                    help='initial weights and noise from NumPy (to compare frameworks)')
opt = parser.parse_args()
torch.manual_seed(opt.manualSeed)
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
nc, nz, ngf, ndf = 1, 16, 16, 16
ngpu = 0


def blobs(n, seed):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:16, 0:16]
    cy, cx = rng.uniform(4, 12, (2, n, 1, 1))
    img = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 8.0)
    return torch.from_numpy((img * 2 - 1).astype(np.float32)).unsqueeze(1)


dataset = torch.utils.data.TensorDataset(blobs(512, 0))
dataloader = torch.utils.data.DataLoader(dataset, batch_size=opt.batchSize,
                                         shuffle=not opt.numpy_rng, drop_last=True)


# custom weights initialization called on netG and netD
def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        m.weight.data.normal_(0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        m.weight.data.normal_(1.0, 0.02)
        m.bias.data.fill_(0)


class Generator(nn.Module):
    def __init__(self, ngpu):
        super(Generator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            # input is Z, going into a convolution
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            # state size. (ngf*4) x 4 x 4
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # state size. (ngf*2) x 8 x 8
            nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False),
            nn.Tanh()
            # state size. (nc) x 16 x 16
        )

    def forward(self, input):
        if input.is_cuda and self.ngpu > 1:
            output = nn.parallel.data_parallel(self.main, input, range(self.ngpu))
        else:
            output = self.main(input)
        return output


class Discriminator(nn.Module):
    def __init__(self, ngpu):
        super(Discriminator, self).__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            # input is (nc) x 16 x 16
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf) x 8 x 8
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            # state size. (ndf*2) x 4 x 4
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
            nn.Sigmoid()
        )

    def forward(self, input):
        output = self.main(input)
        return output.view(-1, 1).squeeze(1)


netG = Generator(ngpu).to(device)
netG.apply(weights_init)
netD = Discriminator(ngpu).to(device)
netD.apply(weights_init)
print(netG)
rng = np.random.default_rng(opt.manualSeed)
if opt.numpy_rng:
    for net in (netG, netD):
        for name, p in net.named_parameters():
            mean = 1.0 if name.endswith('weight') and p.dim() == 1 else 0.0
            p.data = torch.from_numpy(rng.normal(mean, 0.02, p.shape).astype(np.float32))


def noise(n):
    if opt.numpy_rng:
        return torch.from_numpy(rng.standard_normal((n, nz, 1, 1)).astype(np.float32)).to(device)
    return torch.randn(n, nz, 1, 1, device=device)


criterion = nn.BCELoss()
fixed_noise = noise(64)
real_label = 1
fake_label = 0
optimizerD = optim.Adam(netD.parameters(), lr=0.0005, betas=(0.5, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=0.0005, betas=(0.5, 0.999))

with torch.no_grad():
    start_fake = netG(fixed_noise)
history = {"errD": [], "errG": [], "D_x": []}
for epoch in range(opt.niter):
    for i, data in enumerate(dataloader, 0):
        ############################
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        ###########################
        # train with real
        netD.zero_grad()
        real_cpu = data[0].to(device)
        batch_size = real_cpu.size(0)
        label = torch.full((batch_size,), real_label, dtype=real_cpu.dtype, device=device)
        output = netD(real_cpu)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()

        # train with fake
        z = noise(batch_size)
        fake = netG(z)
        label.fill_(fake_label)
        output = netD(fake.detach())
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        optimizerD.step()

        ############################
        # (2) Update G network: maximize log(D(G(z)))
        ###########################
        netG.zero_grad()
        label.fill_(real_label)  # fake labels are real for generator cost
        output = netD(fake)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optimizerG.step()
        history["errD"].append(errD.item())
        history["errG"].append(errG.item())
        history["D_x"].append(D_x)
        if i % 8 == 0:
            print('[%d/%d][%d/%d] Loss_D: %.4f Loss_G: %.4f D(x): %.4f D(G(z)): %.4f / %.4f'
                  % (epoch, opt.niter, i, len(dataloader), errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))


with torch.no_grad():
    fake = netG(fixed_noise).detach().cpu()
real = blobs(64, 1)
# the generator moved from noise towards the data: compare pixel-mean images
dist_start = (start_fake.mean(0) - real.mean(0)).abs().mean().item()
dist_end = (fake.mean(0) - real.mean(0)).abs().mean().item()
print('distance of mean images: start %.3f end %.3f' % (dist_start, dist_end))
assert dist_end < dist_start
history.update(dist_start=dist_start, dist_end=dist_end)
print(json.dumps(history))
