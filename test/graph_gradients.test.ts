// Gradients of the native graph's multi-input / multi-output models against central
// finite differences of the evaluated loss (computeGradients + getGradients): a shared
// layer applied twice, fan-out into two branches, encoder states into a decoder's initial
// states (LSTM, GRU, SimpleRNN), every merge, dot in each form with and without
// normalize, repeatVector, reshape and flatten, concatenate on time and on the last axis,
// Bidirectional with states and mergeMode null, peephole LSTMs, explicit input masks,
// two outputs with loss weights and an output without a loss, sampled softmax heads (of
// the training loss, which draws the same sample while the step counter stays).
import test from 'ava';

import { dagCases } from './support/graph_cases';
import { build, compileSpec, gradientCheck } from './support/graph_specs';

for (const c of dagCases) {
  test(`gradient check: ${c.name}`, async (t) => {
    const model = build(c.spec, c.seed, c.scale ?? 0.5);
    model.compile(compileSpec(c.losses));
    const rel = await gradientCheck(t, model, c.args(), 40, c.trainingLoss);
    t.log(`worst relative error ${rel.toExponential(2)}`);
  });
}
