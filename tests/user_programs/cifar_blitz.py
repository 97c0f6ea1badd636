"""The '60-minute blitz' CIFAR-10 classifier on synthetic 3x32x32 images: Net with Conv2d,
MaxPool2d and torch.flatten(x, 1), CrossEntropyLoss, SGD with momentum, running loss every
N mini-batches, save / load of the state dict, overall accuracy with torch.max(outputs.data, 1)
and per-class accuracy."""
import argparse
import json
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

parser = argparse.ArgumentParser()
parser.add_argument('--no-shuffle', action='store_true', help='fixed batch order (to compare runs)')
args = parser.parse_args()

classes = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')


class SyntheticCIFAR(torch.utils.data.Dataset):
    """Each class is a smooth random colour pattern; samples are shifted, noisy copies."""

    def __init__(self, n, seed, transform=None):
        rng = np.random.default_rng(1234)
        yy, xx = np.mgrid[0:32, 0:32] / 32.0
        freqs = rng.uniform(1, 4, (10, 3, 2))
        phases = rng.uniform(0, 2 * np.pi, (10, 3))
        self.protos = np.sin(2 * np.pi * (freqs[..., 0, None, None] * yy + freqs[..., 1, None, None] * xx)
                             + phases[..., None, None])
        rng = np.random.default_rng(seed)
        self.targets = rng.integers(0, 10, n)
        self.shifts = rng.integers(-3, 4, (n, 2))
        self.noise_seed = seed
        self.transform = transform

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, idx):
        img = np.roll(self.protos[self.targets[idx]], tuple(self.shifts[idx]), axis=(1, 2))
        img = img + np.random.default_rng((self.noise_seed, idx)).normal(0, 0.8, img.shape)
        img = ((img + 1) / 2).clip(0, 1).astype(np.float32)  # like ToTensor: in [0, 1]
        img = torch.from_numpy(img)
        if self.transform is not None:
            img = self.transform(img)
        return img, int(self.targets[idx])


def normalize(img):  # transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    return (img - 0.5) / 0.5


batch_size = 4
trainset = SyntheticCIFAR(1200, 0, transform=normalize)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size,
                                          shuffle=not args.no_shuffle, num_workers=0)
testset = SyntheticCIFAR(200, 1, transform=normalize)
testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size, shuffle=False, num_workers=0)

dataiter = iter(trainloader)
images, labels = next(dataiter)
print(' '.join(f'{classes[labels[j]]:5s}' for j in range(batch_size)))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)  # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


net = Net()
# the same starting point on every framework (the tutorial relies on the default init)
rng = np.random.default_rng(0)
for name, param in net.named_parameters():
    fan_in = param[0].numel() if param.dim() > 1 else param.shape[0]
    bound = 1 / np.sqrt(fan_in)
    param.data.copy_(torch.from_numpy(rng.uniform(-bound, bound, param.shape).astype(np.float32)))
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.001 * 5, momentum=0.9)

running_losses = []
for epoch in range(2):  # loop over the dataset multiple times
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        # get the inputs; data is a list of [inputs, labels]
        inputs, labels = data
        # zero the parameter gradients
        optimizer.zero_grad()
        # forward + backward + optimize
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        # print statistics
        running_loss += loss.item()
        if i % 100 == 99:    # print every 100 mini-batches
            print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 100:.3f}')
            running_losses.append(running_loss / 100)
            running_loss = 0.0
print('Finished Training')

PATH = os.path.join(tempfile.mkdtemp(), 'cifar_net.pth')
torch.save(net.state_dict(), PATH)

dataiter = iter(testloader)
images, labels = next(dataiter)
print('GroundTruth: ', ' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))
net = Net()
net.load_state_dict(torch.load(PATH, weights_only=True))
outputs = net(images)
_, predicted = torch.max(outputs, 1)
print('Predicted: ', ' '.join(f'{classes[predicted[j]]:5s}' for j in range(4)))

correct = 0
total = 0
# since we're not training, we don't need to calculate the gradients for our outputs
with torch.no_grad():
    for data in testloader:
        images, labels = data
        # calculate outputs by running images through the network
        outputs = net(images)
        # the class with the highest energy is what we choose as prediction
        _, predicted = torch.max(outputs.data, 1)
        total += labels.size(0)
        correct += (predicted == labels).sum().item()
accuracy = correct / total
print(f'Accuracy of the network on the {total} test images: {100 * correct // total} %')

# prepare to count predictions for each class
correct_pred = {classname: 0 for classname in classes}
total_pred = {classname: 0 for classname in classes}
with torch.no_grad():
    for data in testloader:
        images, labels = data
        outputs = net(images)
        _, predictions = torch.max(outputs, 1)
        # collect the correct predictions for each class
        for label, prediction in zip(labels, predictions):
            if label == prediction:
                correct_pred[classes[label]] += 1
            total_pred[classes[label]] += 1
per_class = {}
for classname, correct_count in correct_pred.items():
    per_class[classname] = float(correct_count) / total_pred[classname]
    print(f'Accuracy for class: {classname:5s} is {100 * per_class[classname]:.1f} %')
assert sum(correct_pred.values()) == correct
print(json.dumps({"running_losses": running_losses, "accuracy": accuracy, "per_class": per_class}))
