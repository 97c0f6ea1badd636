"""The 'NLP From Scratch: translation with a sequence to sequence network and attention'
tutorial, on a synthetic language pair: a Lang class, an EncoderRNN (embedding + GRU,
batch_first), an AttnDecoderRNN with Bahdanau attention, teacher forcing, NLLLoss over the
decoder's log-softmax, Adam, and greedy evaluation under no_grad with topk."""
import argparse
import json
import random
import time

import numpy as np
import torch
import torch.nn as nn
from torch import optim
import torch.nn.functional as F
from torch.utils.data import TensorDataset, DataLoader, RandomSampler, SequentialSampler

parser = argparse.ArgumentParser()
parser.add_argument("--dropout", type=float, default=0.1)
parser.add_argument("--epochs", type=int, default=20)
parser.add_argument("--pairs", type=int, default=640)
parser.add_argument("--sequential", action="store_true", help="no shuffling (to compare runs)")
args = parser.parse_args()

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
SOS_token = 0
EOS_token = 1
MAX_LENGTH = 8
random.seed(0)
torch.manual_seed(0)


class Lang:
    def __init__(self, name):
        self.name = name
        self.word2index = {}
        self.word2count = {}
        self.index2word = {0: "SOS", 1: "EOS"}
        self.n_words = 2

    def addSentence(self, sentence):
        for word in sentence.split(' '):
            self.addWord(word)

    def addWord(self, word):
        if word not in self.word2index:
            self.word2index[word] = self.n_words
            self.word2count[word] = 1
            self.index2word[self.n_words] = word
            self.n_words += 1
        else:
            self.word2count[word] += 1


def make_pairs(n, rng):
    """'French' is a sequence of syllables; 'English' is their glosses."""
    src_words = ["ba", "ko", "mi", "du", "le", "ra", "zu", "fe"]
    gloss = {"ba": "one", "ko": "two", "mi": "three", "du": "four", "le": "five", "ra": "six",
             "zu": "seven", "fe": "eight"}
    pairs = []
    for _ in range(n):
        words = [src_words[i] for i in rng.integers(0, len(src_words), rng.integers(2, MAX_LENGTH - 1))]
        pairs.append([" ".join(words), " ".join(gloss[w] for w in words)])
    return pairs


input_lang, output_lang = Lang("fra"), Lang("eng")
pairs = make_pairs(args.pairs, np.random.default_rng(0))
for pair in pairs:
    input_lang.addSentence(pair[0])
    output_lang.addSentence(pair[1])


def indexesFromSentence(lang, sentence):
    return [lang.word2index[word] for word in sentence.split(' ')]


def tensorFromSentence(lang, sentence):
    indexes = indexesFromSentence(lang, sentence)
    indexes.append(EOS_token)
    # padded as in training, so that the encoder's final state is read after the same padding
    indexes += [SOS_token] * (MAX_LENGTH - len(indexes))
    return torch.tensor(indexes, dtype=torch.long, device=device).view(1, -1)


def get_dataloader(batch_size):
    n = len(pairs)
    input_ids = np.zeros((n, MAX_LENGTH), dtype=np.int32)
    target_ids = np.zeros((n, MAX_LENGTH), dtype=np.int32)
    for idx, (inp, tgt) in enumerate(pairs):
        inp_ids = indexesFromSentence(input_lang, inp)
        tgt_ids = indexesFromSentence(output_lang, tgt)
        inp_ids.append(EOS_token)
        tgt_ids.append(EOS_token)
        input_ids[idx, :len(inp_ids)] = inp_ids
        target_ids[idx, :len(tgt_ids)] = tgt_ids
    train_data = TensorDataset(torch.LongTensor(input_ids).to(device),
                               torch.LongTensor(target_ids).to(device))
    train_sampler = SequentialSampler(train_data) if args.sequential else RandomSampler(train_data)
    return DataLoader(train_data, sampler=train_sampler, batch_size=batch_size)


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size, dropout_p=0.1):
        super(EncoderRNN, self).__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, input):
        embedded = self.dropout(self.embedding(input))
        output, hidden = self.gru(embedded)
        return output, hidden


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super(BahdanauAttention, self).__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)
        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)
        return context, weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size, dropout_p=0.1):
        super(AttnDecoderRNN, self).__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long, device=device).fill_(SOS_token)
        decoder_hidden = encoder_hidden
        decoder_outputs = []
        attentions = []
        for i in range(MAX_LENGTH):
            decoder_output, decoder_hidden, attn_weights = self.forward_step(
                decoder_input, decoder_hidden, encoder_outputs)
            decoder_outputs.append(decoder_output)
            attentions.append(attn_weights)
            if target_tensor is not None:
                # Teacher forcing: Feed the target as the next input
                decoder_input = target_tensor[:, i].unsqueeze(1)
            else:
                _, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze(-1).detach()
        decoder_outputs = torch.cat(decoder_outputs, dim=1)
        decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
        attentions = torch.cat(attentions, dim=1)
        return decoder_outputs, decoder_hidden, attentions

    def forward_step(self, input, hidden, encoder_outputs):
        embedded = self.dropout(self.embedding(input))
        query = hidden.permute(1, 0, 2)
        context, attn_weights = self.attention(query, encoder_outputs)
        input_gru = torch.cat((embedded, context), dim=2)
        output, hidden = self.gru(input_gru, hidden)
        output = self.out(output)
        return output, hidden, attn_weights


def train_epoch(dataloader, encoder, decoder, encoder_optimizer, decoder_optimizer, criterion,
                teacher_forcing_ratio=0.5):
    total_loss = 0
    for data in dataloader:
        input_tensor, target_tensor = data
        encoder_optimizer.zero_grad()
        decoder_optimizer.zero_grad()
        encoder_outputs, encoder_hidden = encoder(input_tensor)
        use_teacher_forcing = random.random() < teacher_forcing_ratio
        decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden,
                                        target_tensor if use_teacher_forcing else None)
        loss = criterion(decoder_outputs.view(-1, decoder_outputs.size(-1)), target_tensor.view(-1))
        loss.backward()
        encoder_optimizer.step()
        decoder_optimizer.step()
        total_loss += loss.item()
    return total_loss / len(dataloader)


def evaluate(encoder, decoder, sentence, input_lang, output_lang):
    with torch.no_grad():
        input_tensor = tensorFromSentence(input_lang, sentence)
        encoder_outputs, encoder_hidden = encoder(input_tensor)
        decoder_outputs, decoder_hidden, decoder_attn = decoder(encoder_outputs, encoder_hidden)
        _, topi = decoder_outputs.topk(1)
        decoded_ids = topi.squeeze()
        decoded_words = []
        for idx in decoded_ids:
            if idx.item() == EOS_token:
                decoded_words.append('<EOS>')
                break
            decoded_words.append(output_lang.index2word[idx.item()])
    return decoded_words, decoder_attn


def init_from_numpy(module, seed):
    """Identical initial weights on every framework, in named_parameters order."""
    rng = np.random.default_rng(seed)
    for name, p in module.named_parameters():
        bound = 1.0 / np.sqrt(p.shape[-1])
        p.data = torch.from_numpy(rng.uniform(-bound, bound, p.shape).astype(np.float32))


hidden_size = 32
encoder = EncoderRNN(input_lang.n_words, hidden_size, args.dropout).to(device)
decoder = AttnDecoderRNN(hidden_size, output_lang.n_words, args.dropout).to(device)
init_from_numpy(encoder, 1)
init_from_numpy(decoder, 2)
train_dataloader = get_dataloader(32)
learning_rate = 0.01
encoder_optimizer = optim.Adam(encoder.parameters(), lr=learning_rate)
decoder_optimizer = optim.Adam(decoder.parameters(), lr=learning_rate)
criterion = nn.NLLLoss()
start = time.time()
losses = []
for epoch in range(1, args.epochs + 1):
    loss = train_epoch(train_dataloader, encoder, decoder, encoder_optimizer, decoder_optimizer, criterion)
    losses.append(loss)
    if epoch % 5 == 0:
        print('%.1fs (%d %d%%) %.4f' % (time.time() - start, epoch, epoch / args.epochs * 100, loss))

encoder.eval()
decoder.eval()
test_pairs = make_pairs(50, np.random.default_rng(1))
correct = 0
for src, tgt in test_pairs:
    output_words, attentions = evaluate(encoder, decoder, src, input_lang, output_lang)
    correct += ' '.join(output_words[:-1]) == tgt
print('>', test_pairs[0][0], '=', test_pairs[0][1], '<', ' '.join(output_words))
accuracy = correct / len(test_pairs)
print('exact match %.2f' % accuracy)
assert losses[-1] < losses[0] / 1.5
print(json.dumps({"losses": losses, "accuracy": accuracy, "attn_shape": list(attentions.shape)}))
