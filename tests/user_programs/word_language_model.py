"""pytorch/examples word_language_model, shrunk: a corpus tokenised into a dictionary,
batchify, get_batch with bptt, an LSTM language model with tied weights, truncated BPTT with
repackage_hidden, clip_grad_norm_, the manual SGD step `p.data.add_(p.grad, alpha=-lr)`,
evaluation under no_grad and perplexity, lr annealing on a plateau."""
import json
import math
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1111)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Dictionary(object):
    def __init__(self):
        self.word2idx = {}
        self.idx2word = []

    def add_word(self, word):
        if word not in self.word2idx:
            self.idx2word.append(word)
            self.word2idx[word] = len(self.idx2word) - 1
        return self.word2idx[word]

    def __len__(self):
        return len(self.idx2word)


class Corpus(object):
    """A synthetic corpus from a small Markov chain over words, so that it can be learned."""

    def __init__(self, seed=0):
        self.dictionary = Dictionary()
        rng = np.random.default_rng(seed)
        words = ["the", "cat", "dog", "sat", "on", "mat", "ran", "to", "a", "park", "and", "<eos>"]
        trans = rng.dirichlet(np.full(len(words), 0.3), size=len(words))
        lines, w = [], 0
        for _ in range(3):
            seq = []
            for _ in range(6000):
                w = rng.choice(len(words), p=trans[w])
                seq.append(words[w])
            lines.append(seq)
        self.train = self.tokenize(lines[0] + lines[1])
        self.valid = self.tokenize(lines[2][:3000])
        self.test = self.tokenize(lines[2][3000:])

    def tokenize(self, words):
        ids = []
        for word in words:
            ids.append(self.dictionary.add_word(word))
        return torch.tensor(ids).type(torch.int64)


class RNNModel(nn.Module):
    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super(RNNModel, self).__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ['LSTM', 'GRU']:
            self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            if nhid != ninp:
                raise ValueError('When using the tied flag, nhid must be equal to emsize')
            self.decoder.weight = self.encoder.weight
        self.init_weights()
        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers

    def init_weights(self):
        initrange = 0.1
        nn.init.uniform_(self.encoder.weight, -initrange, initrange)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -initrange, initrange)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == 'LSTM':
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


def batchify(data, bsz):
    nbatch = data.size(0) // bsz
    data = data.narrow(0, 0, nbatch * bsz)
    data = data.view(bsz, -1).t().contiguous()
    return data.to(device)


def repackage_hidden(h):
    """Wraps hidden states in new Tensors, to detach them from their history."""
    if isinstance(h, torch.Tensor):
        return h.detach()
    else:
        return tuple(repackage_hidden(v) for v in h)


def get_batch(source, i, bptt=20):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].view(-1)
    return data, target


corpus = Corpus()
eval_batch_size = 5
train_data = batchify(corpus.train, 10)
val_data = batchify(corpus.valid, eval_batch_size)
test_data = batchify(corpus.test, eval_batch_size)
ntokens = len(corpus.dictionary)
# dropout 0 so that the run is deterministic and can be compared with PyTorch's
model = RNNModel('LSTM', ntokens, 32, 32, 2, dropout=0.0, tie_weights=True).to(device)

# identical initial weights on every framework: drawn by NumPy, in named_parameters order
rng = np.random.default_rng(42)
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.from_numpy(rng.uniform(-0.1, 0.1, size=tuple(p.shape)).astype(np.float32)))
criterion = nn.NLLLoss()
bptt, clip, log_interval = 20, 0.25, 50


def evaluate(data_source):
    model.eval()
    total_loss = 0.
    hidden = model.init_hidden(eval_batch_size)
    with torch.no_grad():
        for i in range(0, data_source.size(0) - 1, bptt):
            data, targets = get_batch(data_source, i, bptt)
            output, hidden = model(data, hidden)
            hidden = repackage_hidden(hidden)
            total_loss += len(data) * criterion(output, targets).item()
    return total_loss / (len(data_source) - 1)


def train(lr):
    model.train()
    total_loss = 0.
    start_time = time.time()
    hidden = model.init_hidden(10)
    losses = []
    for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
        data, targets = get_batch(train_data, i, bptt)
        model.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(data, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        total_loss += loss.item()
        losses.append(loss.item())
        if batch % log_interval == 0 and batch > 0:
            cur_loss = total_loss / log_interval
            elapsed = time.time() - start_time
            print('| {:5d}/{:5d} batches | lr {:02.2f} | ms/batch {:5.2f} | loss {:5.2f} | ppl {:8.2f}'
                  .format(batch, len(train_data) // bptt, lr, elapsed * 1000 / log_interval,
                          cur_loss, math.exp(cur_loss)))
            total_loss = 0
            start_time = time.time()
    return losses


lr = 20.0
best_val_loss = None
train_losses, val_losses = [], []
for epoch in range(1, 11):
    train_losses += train(lr)
    val_loss = evaluate(val_data)
    val_losses.append(val_loss)
    print('| end of epoch {:3d} | valid loss {:5.2f} | valid ppl {:8.2f}'.format(
        epoch, val_loss, math.exp(val_loss)))
    if not best_val_loss or val_loss < best_val_loss:
        best_val_loss = val_loss
    else:
        lr /= 4.0
test_loss = evaluate(test_data)
print('| End of training | test loss {:5.2f} | test ppl {:8.2f}'.format(test_loss, math.exp(test_loss)))
assert val_losses[-1] < val_losses[0] - 0.5 and math.exp(test_loss) < 7
print(json.dumps({"train_losses": train_losses, "val_losses": val_losses, "test_ppl": math.exp(test_loss)}))
