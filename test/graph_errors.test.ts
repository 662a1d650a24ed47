// Every check of the native model binding (native/napi) on the spec, the compile options
// and the batches: each refused value gives a TypeError (wrong type, unknown key) or a
// RangeError (out of range, inconsistent) that names the layer, node, input or output and
// quotes what was received; none crashes, and the model goes on working after a refused
// step.
import test from 'ava';

import type { CompileSpec, GraphSpec, LayerSpec, NativeModel, StepArgs } from '../lib/graph_spec';
import { cpu } from '../lib/native';
import {
  bidirectional, chain, compileSpec, dense, embedding, floatInput, GraphBuilder, input, lossSpec, newModel, optimizer, rnn,
  step, target, tokenInput,
} from './support/graph_specs';

type Expect = { instanceOf: typeof TypeError | typeof RangeError; message: RegExp };
const type = (message: RegExp): Expect => ({ instanceOf: TypeError, message });
const range = (message: RegExp): Expect => ({ instanceOf: RangeError, message });

const Model = cpu().binding.Model as unknown as new (spec: unknown, options?: unknown) => NativeModel;

/** A one-layer graph around `layer` on a float input of `shape`. */
function around(layer: unknown, shape: (number | null)[] = [4, 3]): unknown {
  return chain(floatInput('x', shape), [layer as LayerSpec]);
}

const lstm = rnn('lstm', 'lstm', 2);
const attIn = [floatInput('q', [3, 4]), floatInput('v', [5, 4])];
const att = (extra: Record<string, unknown> = {}): LayerSpec =>
  ({ kind: 'attention', name: 'att', score: 'dot', useScale: false, dropout: 0, trainable: true, ...extra }) as LayerSpec;
const base = around(lstm);

const specCases: [string, unknown, Expect][] = [
  ['not an object', 42, type(/Model: expected a GraphSpec object, received 42/)],
  ['an unknown GraphSpec key', { ...(base as object), inputShape: [3] }, type(/Model: the GraphSpec: unknown key 'inputShape' \(the keys are inputs, layers, nodes, outputs, seed, mixedPrecision\)/)],
  ['a missing GraphSpec key', { ...(base as object), seed: undefined }, type(/'seed' must be an integer in \[0, 9007199254740991\], received undefined/)],
  ['a seed that is not an integer', { ...(base as object), seed: 1.5 }, range(/'seed' must be an integer .*received 1.5/)],
  ['an unknown mixed-precision policy', { ...(base as object), mixedPrecision: 'float16' }, range(/'mixedPrecision' must be one of 'float32', 'bfloat16', received 'float16'/)],
  // Inputs.
  ['an unknown input key', chain({ ...floatInput('x', [4, 3]), mask: true } as never, [lstm]), type(/inputs\[0\]: unknown key 'mask'/)],
  ['an empty input name', chain(floatInput('', [4, 3]), [lstm]), range(/inputs\[0\]: 'name' must be a non-empty string, received ''/)],
  ['a duplicate input name', new GraphBuilder([floatInput('x', [3]), floatInput('x', [3])]).chain(0, [dense('d', 1)]).build(), range(/inputs\[1\]: the name 'x' is already inputs\[0\]'s; input names must be unique/)],
  ['an axis of 0', around(lstm, [0, 3]), range(/input 'x': 'shape' must be .*received 0 at axis 0/)],
  ['an axis above 2^24', around(lstm, [2 ** 24 + 1, 3]), range(/received 16777217 at axis 0/)],
  ['a fractional axis', around(lstm, [4, 2.5]), range(/received 2.5 at axis 1/)],
  ['a string axis', around(lstm, ['4' as never, 3]), range(/received '4' at axis 0/)],
  ['a scalar input', around(dense('d', 1), []), range(/'shape' must be an array of 1 to 8 axes/)],
  ['nine axes', around(dense('d', 1), [1, 1, 1, 1, 1, 1, 1, 1, 1]), range(/'shape' must be an array of 1 to 8 axes/)],
  ['a bad dtype', chain({ name: 'x', shape: [3], dtype: 'float64' } as never, [dense('d', 1)]), range(/'dtype' must be one of 'float32', 'int32', received 'float64'/)],
  ['int32 input of rank 2', chain({ name: 'x', shape: [3, 2], dtype: 'int32' }, [embedding('e', 5, 2)]), range(/input 'x': an int32 input holds token ids \[steps\]: its shape must have one axis, received \[3, 2\]/)],
  ['int32 input read by a dense layer', chain(tokenInput('x', 3), [dense('d', 1)]), range(/nodes\[0\] \(layer 'd', dense\): input 0 is the int32 input 'x'; token ids are read by embedding layers only/)],
  ['an embedding reading floats', chain(floatInput('x', [3]), [embedding('e', 5, 2)]), range(/layer 'e', embedding\): an embedding reads token ids: its input must be an int32 model input/)],
  // Layers.
  ['a layer that is not an object', around(null), type(/layers\[0\] must be an object, received null/)],
  ['an unknown kind', around({ kind: 'conv', name: 'c' }), range(/layers\[0\]: 'kind' must be one of .*'flatten', 'attention', received 'conv'/)],
  ['an empty layer name', around({ ...lstm, name: '' }), type(/layers\[0\]: 'name' must be a non-empty string, received ''/)],
  ['a duplicate layer name', chain(floatInput('x', [3]), [dense('d', 2), dense('d', 1)]), range(/layers\[1\]: the name 'd' is already layers\[0\]'s; layer names must be unique/)],
  ['an unknown layer key', around({ ...lstm, inputShape: [3, 2] }), type(/layer 'lstm': unknown key 'inputShape'/)],
  ['a missing layer key', around({ ...lstm, stateful: undefined }), type(/layer 'lstm': 'stateful' must be a boolean, received undefined/)],
  ['a string for a boolean', around({ ...lstm, useBias: 'true' }), type(/layer 'lstm': 'useBias' must be a boolean, received 'true'/)],
  ['embedding inputDim 0', chain(tokenInput('x', 3), [embedding('e', 0, 2)]), range(/layer 'e': 'inputDim' must be an integer in \[1, 2147483647\], received 0/)],
  ['embedding inputDim 2^31', chain(tokenInput('x', 3), [embedding('e', 2 ** 31, 2)]), range(/'inputDim' must be an integer in \[1, 2147483647\], received 2147483648/)],
  ['embedding outputDim above 2^24', chain(tokenInput('x', 3), [embedding('e', 5, 2 ** 24 + 1)]), range(/'outputDim' must be an integer in \[1, 16777216\]/)],
  ['units 0', around(rnn('r', 'gru', 0)), range(/layer 'r': 'units' must be an integer in \[1, 16777216\], received 0/)],
  ['units as a string', around(dense('d', '3' as never)), type(/layer 'd': 'units' must be an integer in \[1, 16777216\], received '3'/)],
  ['units NaN', around(dense('d', NaN)), range(/'units' must be an integer .*received NaN/)],
  ['repeatVector n 0', around({ kind: 'repeatVector', name: 'rep', n: 0 }, [3]), range(/layer 'rep': 'n' must be an integer in \[1, 16777216\], received 0/)],
  ['dropout 1', around(rnn('r', 'lstm', 2, { dropout: 1 })), range(/layer 'r': 'dropout' must be a number in \[0, 1\), received 1/)],
  ['dropout -0.1', around(rnn('r', 'lstm', 2, { dropout: -0.1 })), range(/'dropout' must be a number in \[0, 1\), received -0.1/)],
  ['recurrentDropout NaN', around(rnn('r', 'lstm', 2, { recurrentDropout: NaN })), range(/'recurrentDropout' must be a number in \[0, 1\), received NaN/)],
  ['rate 1', around({ kind: 'dropout', name: 'drop', rate: 1 }), range(/layer 'drop': 'rate' must be a number in \[0, 1\), received 1/)],
  ['maskValue NaN', around({ kind: 'masking', name: 'm', maskValue: NaN }), range(/layer 'm': 'maskValue' must be a number \(not NaN\), received NaN/)],
  ['maskValue a string', around({ kind: 'masking', name: 'm', maskValue: '0' }), type(/'maskValue' must be a number, received '0'/)],
  ['a negative l1', around(dense('d', 2, 'linear', { kernelRegularizer: { l1: -1, l2: 0 } })), range(/layer 'd': 'kernelRegularizer': 'l1' must be a finite number >= 0, received -1/)],
  ['an infinite l2', around(rnn('r', 'gru', 2, { biasRegularizer: { l1: 0, l2: Infinity } })), range(/layer 'r': 'biasRegularizer': 'l2' must be a finite number >= 0, received Infinity/)],
  ['a regularizer without l2', chain(tokenInput('x', 3), [embedding('e', 5, 2, false, { embeddingsRegularizer: { l1: 0.1 } as never })]), type(/'embeddingsRegularizer': 'l2' must be a finite number >= 0, received undefined/)],
  ['a regularizer key unknown', around(dense('d', 2, 'linear', { biasRegularizer: { l1: 0, l2: 0, l3: 1 } as never })), type(/'biasRegularizer': unknown key 'l3'/)],
  ['a dense activation outside its set', around(dense('d', 2, 'hardSigmoid' as never)), range(/layer 'd': 'activation' must be one of 'linear', 'relu', 'sigmoid', 'tanh', 'softmax', received 'hardSigmoid'/)],
  ['a recurrent activation outside its set', around(rnn('r', 'gru', 2, { activation: 'softmax' as never })), range(/layer 'r': 'activation' must be one of 'linear', 'tanh', 'sigmoid', 'relu', 'hardSigmoid', received 'softmax'/)],
  ['a bad cell', around(rnn('r', 'conv' as never, 2)), range(/'cell' must be one of 'simpleRnn', 'lstm', 'gru', received 'conv'/)],
  ['resetAfter on an LSTM', around(rnn('r', 'lstm', 2, { resetAfter: true })), range(/layer 'r': 'resetAfter' must be false for a lstm cell \(it is a GRU option\), received true/)],
  ['peephole on a GRU', around(rnn('r', 'gru', 2, { peephole: true })), range(/layer 'r': 'peephole' must be false for a non-LSTM cell/)],
  // Bidirectional.
  ['a bidirectional of two cells', around({ ...(bidirectional('bi', lstm, 'concat') as object), backward: { ...rnn('b', 'gru', 2), goBackwards: true } }),
    range(/layer 'bi': the forward and backward layers must agree on cell, received 'lstm' and 'gru'/)],
  ['a bidirectional of two sizes', around({ ...(bidirectional('bi', lstm, 'concat') as object), backward: { ...rnn('b', 'lstm', 3), goBackwards: true } }),
    range(/must agree on units, received 2 and 3/)],
  ['a bidirectional half stateful', around({ ...(bidirectional('bi', lstm, 'concat') as object), backward: { ...rnn('b', 'lstm', 2), goBackwards: true, stateful: true } }),
    range(/must agree on stateful, received false and true/)],
  ['a bidirectional of two returnSequences', around({ ...(bidirectional('bi', lstm, 'concat') as object), backward: { ...rnn('b', 'lstm', 2), goBackwards: true, returnSequences: true } }),
    range(/must agree on returnSequences, received false and true/)],
  ['a bidirectional of two returnState', around({ ...(bidirectional('bi', lstm, 'concat') as object), backward: { ...rnn('b', 'lstm', 2), goBackwards: true, returnState: true } }),
    range(/must agree on returnState, received false and true/)],
  ['a bidirectional running one way twice', around({ ...(bidirectional('bi', lstm, 'concat') as object), backward: rnn('b', 'lstm', 2) }),
    range(/layer 'bi': 'backward.goBackwards' must be the opposite of 'forward.goBackwards' \(true\), received false/)],
  ['a bad mergeMode', around({ ...(bidirectional('bi', lstm, 'concat') as object), mergeMode: 'max' }), range(/layer 'bi': 'mergeMode' must be one of 'concat', 'sum', 'mul', 'ave', received 'max'/)],
  ['no mergeMode', around({ ...(bidirectional('bi', lstm, 'concat') as object), mergeMode: undefined }), type(/layer 'bi': 'mergeMode' must be null or one of/)],
  ['a bidirectional child of another kind', around({ ...(bidirectional('bi', lstm, 'concat') as object), forward: dense('f', 2) }), range(/layer 'bi': 'forward': 'kind' must be one of 'rnn', received 'dense'/)],
];

/** Two [3] inputs into one merge-like layer. */
function two(layer: unknown, shapes: (number | null)[][] = [[3], [3]]): GraphSpec {
  const g = new GraphBuilder(shapes.map((s, i) => floatInput(`in${i}`, s)));
  return g.output(g.apply(layer as LayerSpec, shapes.map((_, i) => i))[0]).build();
}

// Merges, dot, reshaping.
specCases.push(
  ['concatenate axis 0', two({ kind: 'concatenate', name: 'cat', axis: 0 }), range(/layer 'cat': 'axis' must be -1 \(the last axis\) or an axis from 1 \(0 is the batch axis\), received 0/)],
  ['concatenate axis -2', two({ kind: 'concatenate', name: 'cat', axis: -2 }), range(/'axis' must be an integer in \[-1, 8\], received -2/)],
  ['concatenate axis beyond the rank', two({ kind: 'concatenate', name: 'cat', axis: 2 }), range(/layer 'cat' axis 2 is outside inputs of shape \[3\]/)],
  ['concatenate of disagreeing shapes', two({ kind: 'concatenate', name: 'cat', axis: -1 }, [[2, 3], [4, 3]]), range(/layer 'cat' needs inputs that agree on every axis but -1, received \[2, 3\] and \[4, 3\]/)],
  ['add of two shapes', two({ kind: 'add', name: 'sum' }, [[3], [4]]), range(/layer 'sum' needs inputs of one shape, received \[3\] and \[4\] \(inputs 0 and 1\)/)],
  ['dot axes of one entry', two({ kind: 'dot', name: 'dot', axes: [1], normalize: false }), range(/layer 'dot': 'axes' must be an array of 2 integers in \[1, 8\]/)],
  ['dot axis 0', two({ kind: 'dot', name: 'dot', axes: [0, 1], normalize: false }), range(/'axes' must be an array of 2 integers in \[1, 8\]/)],
  ['dot axis beyond the rank', two({ kind: 'dot', name: 'dot', axes: [2, 1], normalize: false }), range(/layer 'dot' axis 2 is outside input 0 of shape \[3\]/)],
  ['dot of summed axes that differ', two({ kind: 'dot', name: 'dot', axes: [1, 1], normalize: false }, [[3], [4]]), range(/layer 'dot' needs the summed axes to have one size/)],
  ['dot of rank 3', two({ kind: 'dot', name: 'dot', axes: [1, 1], normalize: false }, [[3, 2, 2], [3]]), range(/layer 'dot' takes inputs of rank 1 or 2 per sample, received \[3, 2, 2\]/)],
  ['dot normalize as a string', two({ kind: 'dot', name: 'dot', axes: [1, 1], normalize: 'yes' }), type(/layer 'dot': 'normalize' must be a boolean, received 'yes'/)],
  ['reshape with two -1', around({ kind: 'reshape', name: 'r', targetShape: [-1, -1] }, [12]), range(/layer 'r': 'targetShape' must be an array of 1 to 8 integers in \[1, 16777216\], at most one of them -1/)],
  ['reshape to a 0 axis', around({ kind: 'reshape', name: 'r', targetShape: [0, 3] }, [12]), range(/'targetShape' must be an array of 1 to 8 integers/)],
  ['reshape to nothing', around({ kind: 'reshape', name: 'r', targetShape: [] }, [12]), range(/'targetShape' must be an array of 1 to 8 integers/)],
  ['reshape to another count', around({ kind: 'reshape', name: 'r', targetShape: [5, 3] }, [12]), range(/layer 'r' cannot reshape input \[12\] \(12 values per sample\) to \[5, 3\]/)],
  ['reshape of a free axis without -1', around({ kind: 'reshape', name: 'r', targetShape: [6, 2] }, [null, 2]), range(/layer 'r' the input \[null, 2\] has a free axis: targetShape needs a -1 for it, received \[6, 2\]/)],
  ['flatten of a free axis', around({ kind: 'flatten', name: 'f' }, [null, 2]), range(/layer 'f' needs every axis known, received \[null, 2\]/)],
  ['an rnn on a vector', around(rnn('r', 'gru', 2), [3]), range(/layer 'r' needs input of shape \[steps, features\] with a known feature size, received \[3\]/)],
  ['an rnn with a free feature axis', around(rnn('r', 'gru', 2), [3, null]), range(/received \[3, null\]/)],
  ['masking of a vector', around({ kind: 'masking', name: 'm', maskValue: 0 }, [3]), range(/layer 'm' needs input of shape \[steps, features\], received \[3\]/)],
  ['dense with a free last axis', around(dense('d', 2), [3, null]), range(/layer 'd' needs a known size of the last axis, received \[3, null\]/)],
);

// ---- Graph structure.
const x3 = floatInput('x', [3]);
const seqIn = floatInput('x', [4, 3]);
function raw(inputs: unknown[], layers: unknown[], nodes: unknown[], outputs: unknown[]): unknown {
  return { inputs, layers, nodes, outputs, seed: 0 };
}
specCases.push(
  ['an unknown node key', raw([x3], [dense('d', 1)], [{ layer: 0, inputs: [0], outputs: [1], name: 'n' }], [1]), type(/nodes\[0\]: unknown key 'name'/)],
  ['a node of no layer', raw([x3], [dense('d', 1)], [{ layer: 1, inputs: [0], outputs: [1] }], [1]), range(/nodes\[0\]: layer 1 is not an index into layers \(0 .. 0\)/)],
  ['an LSTM node of 2 inputs', raw([seqIn, floatInput('h', [2])], [lstm], [{ layer: 0, inputs: [0, 1], outputs: [2] }], [2]),
    range(/nodes\[0\] \(layer 'lstm', rnn\): expected 1 \(x\) or 3 \(x and the initial states h, c\) inputs, received 2/)],
  ['a Bidirectional GRU node of 2 inputs', raw([seqIn, floatInput('h', [2])], [bidirectional('bi', rnn('g', 'gru', 2), 'concat')], [{ layer: 0, inputs: [0, 1], outputs: [2] }], [2]),
    range(/layer 'bi', bidirectional\): expected 1 \(x\) or 3 \(x, the forward then the backward initial states\) inputs, received 2/)],
  ['an add of one input', raw([x3], [{ kind: 'add', name: 'a' }], [{ layer: 0, inputs: [0], outputs: [1] }], [1]), range(/layer 'a', add\): expected 2 or more inputs, received 1/)],
  ['a subtract of three', raw([x3], [{ kind: 'subtract', name: 's' }], [{ layer: 0, inputs: [0, 0, 0], outputs: [1] }], [1]), range(/layer 's', subtract\): expected 2 inputs, received 3/)],
  ['a dot of three', raw([x3], [{ kind: 'dot', name: 'd', axes: [1, 1], normalize: false }], [{ layer: 0, inputs: [0, 0, 0], outputs: [1] }], [1]), range(/layer 'd', dot\): expected 2 inputs, received 3/)],
  ['a concatenate of one', raw([x3], [{ kind: 'concatenate', name: 'c', axis: -1 }], [{ layer: 0, inputs: [0], outputs: [1] }], [1]), range(/layer 'c', concatenate\): expected 2 or more inputs, received 1/)],
  ['a value read before it is written', raw([x3], [dense('d', 1), dense('e', 1)], [{ layer: 0, inputs: [2], outputs: [1] }, { layer: 1, inputs: [1], outputs: [2] }], [2]),
    range(/nodes\[0\] \(layer 'd', dense\): input 0 is value 2, which is not written before this node \(values 0 .. 0 are\)/)],
  ['outputs that are not the next fresh ids', raw([x3], [dense('d', 1)], [{ layer: 0, inputs: [0], outputs: [2] }], [2]), range(/outputs must be the next fresh value ids \[1\], received \[2\]/)],
  ['too few outputs for returnState', raw([seqIn], [rnn('r', 'lstm', 2, { returnState: true })], [{ layer: 0, inputs: [0], outputs: [1] }], [1]), range(/layer 'r', rnn\): outputs must be the next fresh value ids \[1, 2, 3\], received \[1\]/)],
  ['a layer used by no node', raw([x3], [dense('d', 1), dense('e', 1)], [{ layer: 0, inputs: [0], outputs: [1] }], [1]), range(/layer 'e' \(layers\[1\]\) is used by no node/)],
  ['a shared layer on two feature sizes', raw([x3, floatInput('y', [4])], [dense('d', 1), { kind: 'add', name: 'a' }],
    [{ layer: 0, inputs: [0], outputs: [2] }, { layer: 0, inputs: [1], outputs: [3] }, { layer: 1, inputs: [2, 3], outputs: [4] }], [4]),
    range(/layer 'd' \(node 1\) was built for inputs with 3 features on the last axis, received \[4\]/)],
  ['a shared stateful layer', raw([seqIn], [rnn('s', 'gru', 2, { stateful: true, returnSequences: true })], [{ layer: 0, inputs: [0], outputs: [1] }, { layer: 0, inputs: [1], outputs: [2] }], [2]),
    range(/layer 's' is stateful and applied 2 times; a stateful layer can be applied once/)],
  ['a stateful layer with initial states', raw([seqIn, floatInput('h', [2])], [rnn('s', 'gru', 2, { stateful: true })], [{ layer: 0, inputs: [0, 1], outputs: [2] }], [2]),
    range(/layer 's', rnn\): a stateful layer carries its own states; it takes no initial-state inputs/)],
  ['no outputs', raw([x3], [dense('d', 1)], [{ layer: 0, inputs: [0], outputs: [1] }], []), range(/the graph has no outputs/)],
  ['an output no node writes', raw([x3], [dense('d', 1)], [{ layer: 0, inputs: [0], outputs: [1] }], [5]), range(/outputs\[0\] is value 5, which no node writes \(values 0 .. 1\)/)],
  ['the same output twice', raw([x3], [dense('d', 1)], [{ layer: 0, inputs: [0], outputs: [1] }], [1, 1]), range(/outputs\[1\] is value 1, already outputs\[0\]; outputs must be distinct/)],
  ['an int32 output', raw([tokenInput('t', 3)], [embedding('e', 5, 2)], [{ layer: 0, inputs: [0], outputs: [1] }], [0]), range(/outputs\[0\] is the int32 input 't'; outputs are float values/)],
  ['a fractional value id', raw([x3], [dense('d', 1)], [{ layer: 0, inputs: [0.5], outputs: [1] }], [1]), range(/nodes\[0\]: 'inputs' must be an array of integers/)],
  // Attention over [query, value, key?].
  ['an unknown attention score', raw(attIn, [att({ score: 'general' })], [{ layer: 0, inputs: [0, 1], outputs: [2] }], [2]), range(/layer 'att': 'score' must be one of 'dot', 'concat', 'additive', received 'general'/)],
  ['attention dropout of 1', raw(attIn, [att({ dropout: 1 })], [{ layer: 0, inputs: [0, 1], outputs: [2] }], [2]), range(/layer 'att': 'dropout' must be a number in \[0, 1\), received 1/)],
  ['attention on one input', raw(attIn, [att()], [{ layer: 0, inputs: [0], outputs: [2] }], [2]), range(/\(layer 'att', attention\): expected 2 \(query, value\) or 3 \(query, value, key\) inputs, received 1/)],
  ['attention keys of other features', raw([attIn[0], floatInput('v', [5, 3])], [att()], [{ layer: 0, inputs: [0, 1], outputs: [2] }], [2]), range(/layer 'att' needs keys with the query's 4 features, received \[5, 3\] \(the value, which is the key\)/)],
  ['attention on a vector', raw([floatInput('q', [4]), attIn[1]], [att()], [{ layer: 0, inputs: [0, 1], outputs: [2] }], [2]), range(/layer 'att' takes inputs \[steps, features\] with known features, received \[4\] \(input 0\)/)],
  ['attention scores not declared as an output', raw(attIn, [att()], [{ layer: 0, inputs: [0, 1], outputs: [2], call: { returnAttentionScores: true, useCausalMask: false } }], [2]), range(/outputs must be the next fresh value ids \[2, 3\], received \[2\]/)],
  ['call arguments on a dense node', raw([x3], [dense('d', 1)], [{ layer: 0, inputs: [0], outputs: [1], call: { returnAttentionScores: false, useCausalMask: true } }], [1]), range(/'call' \(returnAttentionScores, useCausalMask\) applies to attention layers only/)],
  ['an unknown call argument', raw(attIn, [att()], [{ layer: 0, inputs: [0, 1], outputs: [2], call: { causal: true } as never }], [2]), type(/nodes\[0\]: 'call': unknown key 'causal'/)],
);

for (const [what, spec, expect] of specCases) {
  test(`the spec: ${what}`, (t) => {
    t.throws(() => new Model(spec), expect);
  });
}

test('the options: only a known backend', (t) => {
  t.throws(() => new Model(base, { backend: 'cuda' }), range(/Model: the options: 'backend' must be one of 'cpu', 'reference', 'cuda-emulated', received 'cuda'/));
  t.throws(() => new Model(base, { backend: 1 }), type(/'backend' must be one of 'cpu', 'reference', 'cuda-emulated', received 1/));
  t.throws(() => new Model(base, { device: 'cpu' }), type(/Model: the options: unknown key 'device' \(the keys are backend\)/));
  t.notThrows(() => new Model(base, { backend: 'reference' }).dispose());
  t.notThrows(() => new Model(base, { backend: 'cuda-emulated' }).dispose());
  t.notThrows(() => new Model(base).dispose());
});

// ---- Compile.
const twoOut = (() => {
  const g = new GraphBuilder([floatInput('x', [3])]);
  const [a] = g.apply(dense('a', 2, 'softmax'), [0]);
  const [b] = g.apply(dense('b', 1), [0]);
  return g.output(a, b).build();
})();

const compileCases: [string, unknown, Expect][] = [
  ['not an object', 3, type(/compile must be an object, received 3/)],
  ['an unknown key', { ...compileSpec([lossSpec('meanSquaredError'), null]), metrics: [] }, type(/compile: unknown key 'metrics' \(the keys are losses, optimizer\)/)],
  ['one loss for two outputs', compileSpec([lossSpec('meanSquaredError')]), range(/compile: the model has 2 outputs: give one loss \(or null\) for each, received 1/)],
  ['no loss at all', compileSpec([null, null]), range(/compile: every output's loss is null; at least one output needs a loss/)],
  ['a negative loss weight', compileSpec([lossSpec('meanSquaredError', { weight: -1 }), null]), range(/compile: losses\[0\]: 'weight' must be a finite number >= 0, received -1/)],
  ['a NaN loss weight', compileSpec([null, lossSpec('meanSquaredError', { weight: NaN })]), range(/losses\[1\]: 'weight' must be a finite number >= 0, received NaN/)],
  ['an unknown loss', compileSpec([lossSpec('hinge' as never), null]), range(/losses\[0\]: 'loss' must be one of 'meanSquaredError', .*received 'hinge'/)],
  ['an unknown loss key', compileSpec([{ ...lossSpec('meanSquaredError'), name: 'x' } as never, null]), type(/losses\[0\]: unknown key 'name'/)],
  ['an unknown metric', compileSpec([lossSpec('meanSquaredError', { metrics: ['f1' as never] }), null]), range(/losses\[0\]: metrics\[0\] must be one of 'binaryAccuracy', .*received 'f1'/)],
  ['binaryAccuracy with class ids', compileSpec([lossSpec('sparseCategoricalCrossentropy', { metrics: ['binaryAccuracy'] }), null]),
    range(/losses\[0\]: with sparseCategoricalCrossentropy the targets are class ids; only \(sparse\)categoricalAccuracy applies to them/)],
  ['sparseCategoricalAccuracy without class ids', compileSpec([lossSpec('meanSquaredError', { metrics: ['sparseCategoricalAccuracy'] }), null]),
    range(/losses\[0\]: sparseCategoricalAccuracy needs class-id targets/)],
  ['two clipping modes', compileSpec([lossSpec('meanSquaredError'), null], optimizer('sgd', 1, { clipvalue: 1, clipnorm: 1 })), range(/only one of clipvalue, clipnorm and globalClipnorm can be set/)],
  ['momentum above 1', compileSpec([lossSpec('meanSquaredError'), null], optimizer('sgd', 1, { momentum: 1.5 })), range(/momentum must be in \[0, 1\]/)],
  ['a negative learning rate', compileSpec([lossSpec('meanSquaredError'), null], optimizer('sgd', -1)), range(/compile: 'optimizer': 'learningRate' must be a finite number >= 0, received -1/)],
  ['an unknown optimizer', compileSpec([lossSpec('meanSquaredError'), null], optimizer('lion' as never, 1)), range(/'optimizer': 'kind' must be one of 'sgd', 'adam', 'rmsprop', 'adadelta', 'adagrad', received 'lion'/)],
  ['an unknown optimizer key', { losses: [lossSpec('meanSquaredError'), null], optimizer: { ...optimizer('sgd', 1), lr: 0.5 } }, type(/'optimizer': unknown key 'lr'/)],
  ['a missing optimizer key', { losses: [lossSpec('meanSquaredError'), null], optimizer: { ...optimizer('sgd', 1), rho: undefined } }, type(/'optimizer': 'rho' must be a finite number >= 0, received undefined/)],
];

for (const [what, spec, expect] of compileCases) {
  test(`compile: ${what}`, (t) => {
    const m = new Model(twoOut);
    t.throws(() => m.compile(spec as CompileSpec), expect);
  });
}

test('compile: a categorical loss needs the classes on a known last axis', (t) => {
  const g = new GraphBuilder([floatInput('a', [null, 3]), floatInput('b', [null, 3])]);
  const [d] = g.apply({ kind: 'dot', name: 'd', axes: [2, 2], normalize: false }, [0, 1]);
  const m = new Model(g.output(d).build());
  t.throws(() => m.compile(compileSpec([lossSpec('categoricalCrossentropy')])), range(/losses\[0\]: categorical losses need the classes on a known last axis, the output has shape \[null, null\]/));
});

// ---- Batches.
function tokenModel(): NativeModel {
  const m = new Model(chain(tokenInput('tokens', null), [embedding('emb', 5, 2), rnn('gru', 'gru', 2), dense('probs', 3, 'softmax')]));
  m.compile(compileSpec([lossSpec('sparseCategoricalCrossentropy')]));
  return m;
}

function seqModel(): NativeModel {
  const m = new Model(chain(floatInput('x', [null, 2]), [rnn('lstm', 'lstm', 2, { returnSequences: true }), dense('out', 1)]));
  m.compile(compileSpec([lossSpec('meanSquaredError')]));
  return m;
}

const ids = Int32Array.from([1, 2, 3, 4, 0, 1]);
const okTokens = (): StepArgs => step(2, input(ids, [3]), target(Int32Array.from([0, 2])));
const okSeq = (): StepArgs => step(2, input(new Float32Array(12), [3, 2]), target(new Float32Array(6)));

const batchCases: [string, () => NativeModel, unknown, Expect][] = [
  ['not an object', tokenModel, 'x', type(/trainStep: the StepArgs must be an object, received 'x'/)],
  ['an unknown key', tokenModel, { ...okTokens(), x: ids }, type(/trainStep: the StepArgs: unknown key 'x' \(the keys are batch, inputs, targets, learningRate\)/)],
  ['batch 0', tokenModel, { ...okTokens(), batch: 0 }, range(/'batch' must be an integer in \[1, 16777216\], received 0/)],
  ['two inputs for one', tokenModel, { ...okTokens(), inputs: [input(ids, [3]), input(ids, [3])] }, range(/trainStep: the model has 1 inputs, received 'inputs' of 2/)],
  ['an unknown input key', tokenModel, { ...okTokens(), inputs: [{ data: ids, shape: [3], lengths: [1] }] }, type(/inputs\[0\] \('tokens'\): unknown key 'lengths'/)],
  ['a shape of another rank', tokenModel, { ...okTokens(), inputs: [input(ids, [3, 1])] }, range(/inputs\[0\] \('tokens'\): 'shape' must be an array of 1 integers in \[1, 16777216\]/)],
  ['a free axis of 0', tokenModel, { ...okTokens(), inputs: [input(ids, [0])] }, range(/'shape' must be an array of 1 integers in \[1, 16777216\]/)],
  ['a fixed axis that differs', seqModel, step(2, input(new Float32Array(12), [2, 3]), target(new Float32Array(4))), range(/inputs\[0\] \('x'\): 'shape' must fit the input's shape \[null, 2\], received \[2, 3\]/)],
  ['floats for token ids', tokenModel, { ...okTokens(), inputs: [input(new Float32Array(6), [3])] }, type(/'data' must be an Int32Array of shape \[2, 3\], received a Float32Array\(6\)/)],
  ['too few elements', seqModel, step(2, input(new Float32Array(10), [3, 2]), target(new Float32Array(6))), range(/'data' must be a Float32Array of shape \[2, 3, 2\] \(12 elements\), received 10 elements/)],
  ['a token id out of range', tokenModel, { ...okTokens(), inputs: [input(Int32Array.from([1, 2, 3, 4, 9, 1]), [3])] }, range(/trainStep: layer 'emb': token id 9 at inputs\[0\] \('tokens'\)\[1, 1\] is outside \[0, 5\)/)],
  ['a negative token id', tokenModel, { ...okTokens(), inputs: [input(Int32Array.from([1, 2, -3, 4, 0, 1]), [3])] }, range(/token id -3 at inputs\[0\] \('tokens'\)\[0, 2\]/)],
  ['a mask that is not a Uint8Array', seqModel, step(2, { data: new Float32Array(12), shape: [3, 2], mask: new Float32Array(6) as never }, target(new Float32Array(6))), type(/'mask' must be a Uint8Array of shape \[2, 3\], received a Float32Array\(6\)/)],
  ['a mask of the wrong length', seqModel, step(2, input(new Float32Array(12), [3, 2], new Uint8Array(4)), target(new Float32Array(6))), range(/'mask' must be a Uint8Array of shape \[2, 3\] \(6 elements\), received 4 elements/)],
  ['a mask of 2s', seqModel, step(2, input(new Float32Array(12), [3, 2], Uint8Array.from([1, 1, 2, 1, 1, 1])), target(new Float32Array(6))), range(/'mask' holds 1 \(a valid step\) or 0, received 2 at \[0, 2\]/)],
  ['no targets', tokenModel, { batch: 2, inputs: [input(ids, [3])] }, type(/trainStep: the StepArgs: 'targets' must be an array, received undefined/)],
  ['two targets for one output', tokenModel, { ...okTokens(), targets: [target(Int32Array.from([0, 2])), null] }, range(/the model has 1 outputs: give one target \(null for an output without a loss\) for each, received 2/)],
  ['floats for class ids', tokenModel, { ...okTokens(), targets: [target(new Float32Array(2))] }, type(/targets\[0\]: 'data' must be an Int32Array of class ids of shape \[2\], received a Float32Array\(2\)/)],
  ['a class id out of range', tokenModel, { ...okTokens(), targets: [target(Int32Array.from([0, 3]))] }, range(/trainStep: targets\[0\]: sparseCategoricalCrossentropy: class id 3 at \[1\] is outside \[0, 3\)/)],
  ['targets of the wrong length', seqModel, step(2, input(new Float32Array(12), [3, 2]), target(new Float32Array(4))), range(/targets\[0\]: 'data' must be a Float32Array of shape \[2, 3, 1\] \(6 elements\), received 4 elements/)],
  ['a NaN target', seqModel, step(2, input(new Float32Array(12), [3, 2]), target(Float32Array.from([0, 0, NaN, 0, 0, 0]))), range(/targets\[0\]: 'data' must hold finite numbers, received nan at \[0, 2, 0\]/)],
  ['an unknown target key', tokenModel, { ...okTokens(), targets: [{ data: Int32Array.from([0, 2]), weights: 1 }] }, type(/targets\[0\]: unknown key 'weights'/)],
  ['a negative sample weight', tokenModel, { ...okTokens(), targets: [target(Int32Array.from([0, 2]), Float32Array.from([1, -1]))] }, range(/targets\[0\]: 'sampleWeight' must hold finite numbers >= 0, received -1.000000 at \[1\]/)],
  ['sample weights of the wrong length', tokenModel, { ...okTokens(), targets: [target(Int32Array.from([0, 2]), Float32Array.from([1]))] }, range(/'sampleWeight' must be a Float32Array of shape \[2\] \(2 elements\), received 1 elements/)],
  ['a negative learning rate', tokenModel, { ...okTokens(), learningRate: -0.1 }, range(/trainStep: the StepArgs: 'learningRate' must be a finite number >= 0, received -0.1/)],
];

for (const [what, make, args, expect] of batchCases) {
  test(`a batch: ${what}`, async (t) => {
    const m = make();
    await t.throwsAsync(m.trainStep(args as StepArgs), expect);
    const r = await m.trainStep(make === tokenModel ? okTokens() : okSeq());
    t.true(Number.isFinite(r.loss), 'the model still trains');
  });
}

test('a batch: what each call takes', async (t) => {
  const m = tokenModel();
  await t.throwsAsync(m.evaluateStep({ ...okTokens(), learningRate: 0.1 }), type(/evaluateStep: 'learningRate' applies to trainStep and applyGradients only/));
  await t.throwsAsync(m.computeGradients({ ...okTokens(), learningRate: 0.1 }), type(/computeGradients: 'learningRate' applies to trainStep/));
  await t.throwsAsync(m.predict(okTokens()), type(/predict: predict takes no targets/));
  await t.throwsAsync(m.applyGradients({ learningRate: -1 }), range(/applyGradients: the arguments: 'learningRate' must be a finite number >= 0, received -1/));
  await t.throwsAsync(m.applyGradients({ lr: 1 } as never), type(/applyGradients: the arguments: unknown key 'lr'/));
  const uncompiled = new Model(chain(tokenInput('tokens', 3), [embedding('emb', 5, 2), dense('d', 1)]));
  await t.throwsAsync(uncompiled.trainStep(okTokens()), type(/trainStep: the model is not compiled \(call compile first\)/));
  await t.throwsAsync(uncompiled.applyGradients({}), type(/applyGradients: the model is not compiled/));
  t.throws(() => uncompiled.getOptimizerState(), type(/getOptimizerState: the model is not compiled/));
  t.throws(() => uncompiled.setOptimizerState({ step: 0, iterations: 0, slots: [] }), type(/setOptimizerState: the model is not compiled/));
});

test('a batch: an output without a loss takes a null target', async (t) => {
  const m = new Model(twoOut);
  m.compile(compileSpec([null, lossSpec('meanSquaredError')]));
  const x = input(new Float32Array(6), [3]);
  await t.throwsAsync(m.trainStep({ batch: 2, inputs: [x], targets: [target(new Float32Array(4)), target(new Float32Array(2))] }),
    type(/trainStep: targets\[0\]: output 0 has no loss, so its target must be null, received an object/));
  const r = await m.trainStep({ batch: 2, inputs: [x], targets: [null, target(new Float32Array(2))] });
  t.is(r.outputs[0], null);
  t.is(r.outputs[1]?.count, 2);
});

test('a batch: an absurd size is refused before anything is allocated, stating the estimate', async (t) => {
  const m = new Model(chain(floatInput('x', [null, 1]), [rnn('lstm', 'lstm', 4096, { returnSequences: true }), dense('d', 1)]));
  m.compile(compileSpec([lossSpec('meanSquaredError')]));
  const before = m.memory();
  const T = 2 ** 16;
  await t.throwsAsync(m.trainStep(step(16, input(new Float32Array(16 * T), [T, 1]), target(new Float32Array(16 * T)))),
    range(/trainStep: this batch needs about [\d.]+ GiB of native memory \(values, gradients and workspaces for batch 16 of per-sample input shapes \[65536, 1\]\), more than this machine's [\d.]+ GiB/));
  t.deepEqual(m.memory(), before);
});

test('weights, gradients and optimizer state: counts, types and shapes', (t) => {
  const m = new Model(chain(floatInput('x', [3]), [dense('d', 2)]));
  m.compile(compileSpec([lossSpec('meanSquaredError')], optimizer('adam', 0.1)));
  t.throws(() => m.setWeights('w' as never), type(/setWeights: expected an array of Float32Array, received 'w'/));
  t.throws(() => m.setWeights([new Float32Array(6)]), range(/setWeights: the model has 2 weights, received 1/));
  t.throws(() => m.setWeights([new Float32Array(6), [0, 0] as never]), type(/setWeights: weight 1 \('d\/bias' of layer 'd'\) must be a Float32Array, received an array of 2/));
  t.throws(() => m.setGradients([new Float32Array(5), new Float32Array(2)]), range(/setGradients: weight 0 \('d\/kernel' of layer 'd'\): expected shape \[3, 2\] \(6 elements\), received 5 elements/));
  const state = m.getOptimizerState();
  t.throws(() => m.setOptimizerState({ ...state, slots: state.slots.slice(1) }), range(/has 4 slots \(2 per weight\), received 3/));
  t.throws(() => m.setOptimizerState({ ...state, slots: [new Float32Array(6), new Float32Array(5), ...state.slots.slice(2)] }), range(/slot 1 of weight 0 \('d\/kernel' of layer 'd'\): expected 6 values, received 5/));
  t.throws(() => m.setOptimizerState({ ...state, step: -1 }), range(/setOptimizerState: 'step' must be an integer in \[0, 9007199254740991\], received -1/));
  t.throws(() => m.setOptimizerState({ ...state, extra: 1 } as never), type(/setOptimizerState: unknown key 'extra'/));
});
