// summary() and parameter counts against Keras for the course models and every layer kind.
import test from 'ava';
import { initializers, layers, sequential } from '../lib/index';

test('Embedding(20000, 50) -> SimpleRNN(5) -> Dense(1) has 1,000,286 params, as Keras', (t) => {
  const model = sequential([
    layers.embedding({ inputDim: 20000, outputDim: 50, name: 'embedding' }),
    layers.simpleRNN({ units: 5, name: 'simple_rnn' }),
    layers.dense({ units: 1, activation: 'sigmoid', name: 'dense' }),
  ], { name: 'sequential' });
  t.is(model.countParams(), 1000286);
  const text = model.summary({ print: false });
  t.is(
    text,
    [
      'Model: "sequential"',
      '_________________________________________________________________',
      ' Layer (type)                Output Shape              Param #',
      '=================================================================',
      ' embedding (Embedding)       (None, None, 50)          1,000,000',
      '',
      ' simple_rnn (SimpleRNN)      (None, 5)                 280',
      '',
      ' dense (Dense)               (None, 1)                 6',
      '=================================================================',
      'Total params: 1,000,286',
      'Trainable params: 1,000,286',
      'Non-trainable params: 0',
      '_________________________________________________________________',
    ].join('\n'),
  );
});

test('the W1 GRU model has 327,801 params (GRU resetAfter bias is 2 * 3 * units)', (t) => {
  const model = sequential([
    layers.embedding({ inputDim: 10000, outputDim: 32, maskZero: true }),
    layers.gru({ units: 24, returnSequences: true }),
    layers.gru({ units: 24 }),
    layers.dense({ units: 1, activation: 'sigmoid' }),
  ]);
  t.is(model.countParams(), 327801);
  const text = model.summary({ print: false });
  t.regex(text, /\(GRU\)\s+\(None, None, 24\)\s+4,176/);
  t.regex(text, /\(GRU\)\s+\(None, 24\)\s+3,600/);
  t.regex(text, /Total params: 327,801\nTrainable params: 327,801\nNon-trainable params: 0/);
  const shapes = model.getWeights().map((w) => w.shape);
  t.deepEqual(shapes, [[10000, 32], [32, 72], [24, 72], [2, 72], [24, 72], [24, 72], [2, 72], [24, 1], [1]]);
});

test('GRU without resetAfter has a [3H] bias', (t) => {
  const model = sequential([layers.gru({ units: 8, resetAfter: false, inputShape: [5, 3] })]);
  t.is(model.countParams(), 3 * 8 * (3 + 8 + 1));
});

test('LSTM counts 4 * units * (input + units + 1)', (t) => {
  const model = sequential([
    layers.embedding({ inputDim: 1000, outputDim: 16, inputLength: 20 }),
    layers.lstm({ units: 32 }),
    layers.dense({ units: 3, activation: 'softmax' }),
  ]);
  t.is(model.countParams(), 16000 + 4 * 32 * (16 + 32 + 1) + 33 * 3);
  t.regex(model.summary({ print: false }), /\(Embedding\)\s+\(None, 20, 16\)\s+16,000[\s\S]*\(LSTM\)\s+\(None, 32\)\s+6,272/);
});

test('Bidirectional concat doubles the units and the params; sum keeps the units', (t) => {
  const concat = sequential([layers.bidirectional({ layer: layers.lstm({ units: 10 }), inputShape: [7, 4] })]);
  t.deepEqual(concat.outputShape, [20]);
  t.is(concat.countParams(), 2 * 4 * 10 * (4 + 10 + 1));
  t.regex(concat.summary({ print: false }), /\(Bidirectional\)\s+\(None, 20\)\s+1,200/);
  const sum = sequential([layers.bidirectional({ layer: layers.gru({ units: 6, returnSequences: true }), mergeMode: 'sum' })], {
    inputShape: [null, 3],
  });
  t.deepEqual(sum.outputShape, [null, 6]);
  t.is(sum.countParams(), 2 * (3 * 6 * (3 + 6) + 2 * 3 * 6));
});

test('TimeDistributed Dense maps every step; Dropout and Masking have no params', (t) => {
  const model = sequential([
    layers.masking({ maskValue: 0, inputShape: [12, 5] }),
    layers.simpleRNN({ units: 8, returnSequences: true }),
    layers.dropout({ rate: 0.5 }),
    layers.timeDistributed({ layer: layers.dense({ units: 3 }) }),
  ]);
  const text = model.summary({ print: false });
  t.regex(text, /\(Masking\)\s+\(None, 12, 5\)\s+0\n/);
  t.regex(text, /\(Dropout\)\s+\(None, 12, 8\)\s+0\n/);
  t.regex(text, /\(TimeDistributed\)\s+\(None, 12, 3\)\s+27\n/);
  t.is(model.countParams(), 5 * 8 + 64 + 8 + 27);
});

test('a non-trainable embedding moves its params to Non-trainable', (t) => {
  const pretrained = new Float32Array(100 * 4).map((_, i) => i / 400);
  const model = sequential([
    layers.embedding({ inputDim: 100, outputDim: 4, trainable: false, embeddingsInitializer: initializers.constant({ value: { data: pretrained, shape: [100, 4] } }) }),
    layers.simpleRNN({ units: 2 }),
  ]);
  t.regex(model.summary({ print: false }), /Total params: 414\nTrainable params: 14\nNon-trainable params: 400/);
  t.deepEqual(Array.from(model.getWeights()[0].data), Array.from(pretrained));
});

test('summary prints with console.log unless told not to, and returns the text', (t) => {
  const model = sequential([layers.dense({ units: 2, inputShape: [3] })]);
  const printed: string[] = [];
  const original = console.log;
  console.log = (s: string) => printed.push(s);
  try {
    const text = model.summary();
    t.deepEqual(printed, [text]);
  } finally {
    console.log = original;
  }
});

test('add, pop and build change the model', (t) => {
  const model = sequential();
  model.add(layers.lstm({ units: 4 }));
  t.throws(() => model.summary({ print: false }), { message: /input shape is unknown/ });
  model.build([10, 2]);
  t.is(model.countParams(), 4 * 4 * (2 + 4 + 1));
  model.add(layers.dense({ units: 1 }));
  t.is(model.countParams(), 4 * 4 * 7 + 5);
  t.is(model.pop().className, 'Dense');
  t.is(model.layers.length, 1);
});
