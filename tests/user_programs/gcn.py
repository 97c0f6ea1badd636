"""Kipf & Welling's GCN in the style of tkipf/pygcn: a GraphConvolution layer with a
Parameter(torch.FloatTensor(...)) reset by weight.data.uniform_, torch.spmm on a normalised
sparse adjacency built with torch.sparse_coo_tensor, F.dropout(training=self.training),
log_softmax + F.nll_loss on the training nodes, accuracy via output.max(1)[1].type_as(labels)."""
import argparse
import json
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.nn.parameter import Parameter
from torch.nn.modules.module import Module

parser = argparse.ArgumentParser()
parser.add_argument('--seed', type=int, default=42)
parser.add_argument('--epochs', type=int, default=100)
parser.add_argument('--lr', type=float, default=0.01)
parser.add_argument('--weight_decay', type=float, default=5e-4)
parser.add_argument('--hidden', type=int, default=16)
parser.add_argument('--dropout', type=float, default=0.5)
args = parser.parse_args()
np.random.seed(args.seed)
torch.manual_seed(args.seed)


def load_data(n_per_class=60, n_classes=3, n_feat=40):
    """A stochastic block model: dense within a class, sparse across; weak noisy features."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(n_classes), n_per_class)
    n = len(labels)
    p = np.where(labels[:, None] == labels[None, :], 0.1, 0.01)
    upper = np.triu(rng.random((n, n)) < p, 1)
    adj = (upper | upper.T).astype(np.float32)
    centers = rng.normal(0, 1, (n_classes, n_feat))
    features = (centers[labels] * 0.3 + rng.normal(0, 1, (n, n_feat))).astype(np.float32)
    features = features / np.abs(features).sum(1, keepdims=True)  # row-normalise
    adj = adj + np.eye(n, dtype=np.float32)
    d_inv_sqrt = 1.0 / np.sqrt(adj.sum(1))
    adj = d_inv_sqrt[:, None] * adj * d_inv_sqrt[None, :]
    rows, cols = np.nonzero(adj)
    indices = torch.from_numpy(np.vstack((rows, cols)).astype(np.int64))
    values = torch.from_numpy(adj[rows, cols])
    adj = torch.sparse_coo_tensor(indices, values, torch.Size(adj.shape))
    perm = rng.permutation(n)
    idx_train, idx_val, idx_test = perm[:30], perm[30:80], perm[80:]
    return (adj, torch.FloatTensor(features), torch.LongTensor(labels),
            torch.LongTensor(idx_train), torch.LongTensor(idx_val), torch.LongTensor(idx_test))


class GraphConvolution(Module):
    """Simple GCN layer, similar to https://arxiv.org/abs/1609.02907"""

    def __init__(self, in_features, out_features, bias=True):
        super(GraphConvolution, self).__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(torch.FloatTensor(in_features, out_features))
        if bias:
            self.bias = Parameter(torch.FloatTensor(out_features))
        else:
            self.register_parameter('bias', None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1. / math.sqrt(self.weight.size(1))
        self.weight.data.uniform_(-stdv, stdv)
        if self.bias is not None:
            self.bias.data.uniform_(-stdv, stdv)

    def forward(self, input, adj):
        support = torch.mm(input, self.weight)
        output = torch.spmm(adj, support)
        if self.bias is not None:
            return output + self.bias
        else:
            return output

    def __repr__(self):
        return self.__class__.__name__ + ' (' + str(self.in_features) + ' -> ' + str(self.out_features) + ')'


class GCN(nn.Module):
    def __init__(self, nfeat, nhid, nclass, dropout):
        super(GCN, self).__init__()
        self.gc1 = GraphConvolution(nfeat, nhid)
        self.gc2 = GraphConvolution(nhid, nclass)
        self.dropout = dropout

    def forward(self, x, adj):
        x = F.relu(self.gc1(x, adj))
        x = F.dropout(x, self.dropout, training=self.training)
        x = self.gc2(x, adj)
        return F.log_softmax(x, dim=1)


def accuracy(output, labels):
    preds = output.max(1)[1].type_as(labels)
    correct = preds.eq(labels).double()
    correct = correct.sum()
    return correct / len(labels)


adj, features, labels, idx_train, idx_val, idx_test = load_data()
model = GCN(nfeat=features.shape[1], nhid=args.hidden, nclass=labels.max().item() + 1, dropout=args.dropout)
print(model)
rng = np.random.default_rng(args.seed)
for p in model.parameters():  # the same start on every framework
    p.data = torch.from_numpy(rng.uniform(-0.25, 0.25, p.shape).astype(np.float32))
optimizer = optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)

history = []
for epoch in range(args.epochs):
    model.train()
    optimizer.zero_grad()
    output = model(features, adj)
    loss_train = F.nll_loss(output[idx_train], labels[idx_train])
    acc_train = accuracy(output[idx_train], labels[idx_train])
    loss_train.backward()
    optimizer.step()
    model.eval()
    output = model(features, adj)
    loss_val = F.nll_loss(output[idx_val], labels[idx_val])
    acc_val = accuracy(output[idx_val], labels[idx_val])
    history.append([loss_train.item(), loss_val.item()])
    if epoch % 10 == 0:
        print('Epoch: {:04d}'.format(epoch + 1), 'loss_train: {:.4f}'.format(loss_train.item()),
              'acc_train: {:.4f}'.format(acc_train.item()), 'loss_val: {:.4f}'.format(loss_val.item()),
              'acc_val: {:.4f}'.format(acc_val.item()))

model.eval()
output = model(features, adj)
loss_test = F.nll_loss(output[idx_test], labels[idx_test])
acc_test = accuracy(output[idx_test], labels[idx_test])
print("Test set results:", "loss= {:.4f}".format(loss_test.item()), "accuracy= {:.4f}".format(acc_test.item()))
assert acc_test.item() > 0.8
print(json.dumps({"history": history, "acc_test": acc_test.item(), "repr": repr(model)}))
