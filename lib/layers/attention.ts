// Attention layers with Keras's names and semantics, over [query [Tq, D], value [Tv, Dv],
// key [Tv, D] (default: the value)]:
//   layers.attention({ useScale, scoreMode: 'dot' | 'concat', dropout })  Luong (Keras Attention)
//   layers.additiveAttention({ useScale, dropout })                       Bahdanau (Keras AdditiveAttention)
// The scores are softmaxed over the keys (padding keys, from the value's mask, and with
// useCausalMask the keys after each query left out), dropped out in training, and
// weight the values: the output is [Tq, Dv] and carries the query's mask. As in Keras,
// `returnAttentionScores` and `useCausalMask` are given with each call (a shared layer may
// differ between calls): `att.apply([q, v], { returnAttentionScores: true })` returns
// [output, scores [Tq, Tv]].
// The forward and backward run natively (native/graph/attention_layer.cc).
import type { LayerSpec, NodeSpec } from '../graph_spec';
import { glorotUniform, ones } from '../initializers';
import type { SymbolicTensor } from '../models/symbolic_tensor';
import { describe } from '../options';
import { formatShape } from '../tensor';
import { boolean, fraction, oneOf, option, OptionTable } from './declaration';
import { ApplyOptions, Layer, LayerConfig, LayerKindDeclaration, NodeCall, TensorType, toSymbolicList, weight, WeightInfo } from './layer';

export type AttentionScoreMode = 'dot' | 'concat';

export interface AdditiveAttentionConfig extends LayerConfig {
  /** Learn a weight per feature for the tanh terms (default true: Keras's `scale` [D]). */
  useScale?: boolean;
  /** Fraction of the attention weights dropped in training (default 0). */
  dropout?: number;
}

export interface AttentionConfig extends LayerConfig {
  /** Multiply the scores by a learned scalar `scale` (default false). */
  useScale?: boolean;
  /** 'dot': query . key (default); 'concat': a learned scalar times the summed tanh(query + key). */
  scoreMode?: AttentionScoreMode;
  /** Fraction of the attention weights dropped in training (default 0). */
  dropout?: number;
}

/** What a call of an attention layer takes (Keras's call arguments). */
export interface AttentionCallOptions {
  /** Also return the attention weights [Tq, Tv] as a second output (default false). */
  returnAttentionScores: boolean;
  /** Each query attends to the keys up to its own position only (default false). */
  useCausalMask: boolean;
}

export const ATTENTION: LayerKindDeclaration = {
  className: 'Attention',
  baseName: 'attention',
  options: {
    useScale: option(boolean, false, { native: true }),
    scoreMode: option(oneOf(['dot', 'concat'] as const), 'dot'),
    dropout: option(fraction, 0, { native: true }),
  } satisfies OptionTable,
};

export const ADDITIVE_ATTENTION: LayerKindDeclaration = {
  className: 'AdditiveAttention',
  baseName: 'additive_attention',
  options: {
    useScale: option(boolean, true, { native: true }),
    dropout: option(fraction, 0, { native: true }),
  } satisfies OptionTable,
};

abstract class AttentionBase extends Layer {
  get useScale(): boolean {
    return this.options.useScale as boolean;
  }
  get dropout(): number {
    return this.options.dropout as number;
  }
  /** How the native layer scores. */
  protected abstract get score(): 'dot' | 'concat' | 'additive';

  protected override callInputs(inputs: SymbolicTensor | SymbolicTensor[], options: ApplyOptions): SymbolicTensor[] {
    const { returnAttentionScores, useCausalMask, ...rest } = options ?? {};
    const extra = Object.keys(rest);
    if (extra.length > 0) throw this.error(`apply: unknown option '${extra[0]}' (known options: returnAttentionScores, useCausalMask)`);
    for (const [key, v] of Object.entries({ returnAttentionScores, useCausalMask })) {
      if (v !== undefined && typeof v !== 'boolean') throw this.error(`apply: ${key} must be a boolean, received ${describe(v)}`);
    }
    return toSymbolicList(this.name, inputs);
  }

  /** Each application keeps its own call arguments, as Keras's. */
  protected override nodeCall(options: ApplyOptions): AttentionCallOptions {
    return { returnAttentionScores: options?.returnAttentionScores ?? false, useCausalMask: options?.useCausalMask ?? false };
  }

  override callKwargs(call: NodeCall): Record<string, unknown> {
    return { return_attention_scores: call.returnAttentionScores ?? false, use_causal_mask: call.useCausalMask ?? false };
  }

  override nodeSpecCall(call: NodeCall): NodeSpec['call'] {
    return { returnAttentionScores: call.returnAttentionScores ?? false, useCausalMask: call.useCausalMask ?? false };
  }

  override applyOptionsFromKwargs(kwargs: Record<string, unknown>): ApplyOptions {
    const out: ApplyOptions = {};
    if (kwargs.return_attention_scores !== undefined) out.returnAttentionScores = kwargs.return_attention_scores as boolean;
    if (kwargs.use_causal_mask !== undefined) out.useCausalMask = kwargs.use_causal_mask as boolean;
    return out;
  }

  outputTypes(inputs: TensorType[], call: NodeCall = {}): TensorType[] {
    this.checkInputCount(inputs, 2, 3);
    const names = ['query', 'value', 'key'];
    inputs.forEach((t, i) => {
      this.requireFloat(t, i);
      if (t.shape.length !== 2 || t.shape[1] === null) {
        throw this.error(`the ${names[i]} must be [batch, steps, features] with known features, received ${formatShape([null, ...t.shape])}`);
      }
    });
    const [q, v] = inputs;
    const k = inputs[2] ?? v;
    if (k.shape[1] !== q.shape[1]) {
      throw this.error(`the ${inputs[2] ? 'key' : 'value (the key when none is given)'} must have the query's ${q.shape[1]} features, received ${formatShape([null, ...k.shape])}`);
    }
    if (k.shape[0] !== null && v.shape[0] !== null && k.shape[0] !== v.shape[0]) {
      throw this.error(`the value and the key must have one length, received ${formatShape([null, ...v.shape])} and ${formatShape([null, ...k.shape])}`);
    }
    const out: TensorType[] = [{ shape: [q.shape[0], v.shape[1]], dtype: 'float32' }];
    if (call.returnAttentionScores) out.push({ shape: [q.shape[0], v.shape[0] ?? k.shape[0]], dtype: 'float32' });
    return out;
  }

  toSpec(): LayerSpec {
    return { kind: 'attention', name: this.name, score: this.score, useScale: this.useScale, dropout: this.dropout, trainable: this.trainable };
  }
}

/** Luong attention (Keras Attention): dot-product scores (optionally scaled), or 'concat' scores. */
export class Attention extends AttentionBase {
  constructor(config: AttentionConfig = {}) {
    super(ATTENTION, config);
  }
  get scoreMode(): AttentionScoreMode {
    return this.options.scoreMode as AttentionScoreMode;
  }
  protected get score(): 'dot' | 'concat' {
    return this.scoreMode;
  }
  /** Keras 3's order: `scale` (useScale) then `concat_score_weight` ('concat'), both scalars starting at 1. */
  override weightsFor(): WeightInfo[] {
    const out: WeightInfo[] = [];
    if (this.useScale) out.push(weight('scale', [], this.trainable, ones()));
    if (this.scoreMode === 'concat') out.push(weight('concat_score_weight', [], this.trainable, ones()));
    return out;
  }
}

/** Bahdanau attention (Keras AdditiveAttention): scores sum_d scale_d tanh(query_d + key_d). */
export class AdditiveAttention extends AttentionBase {
  constructor(config: AdditiveAttentionConfig = {}) {
    super(ADDITIVE_ATTENTION, config);
  }
  protected get score(): 'additive' {
    return 'additive';
  }
  /** `scale` [D] (useScale), glorotUniform as in Keras. */
  override weightsFor(inputs: TensorType[]): WeightInfo[] {
    const dim = inputs[0].shape[1] as number;
    return this.useScale ? [weight('scale', [dim], this.trainable, glorotUniform())] : [];
  }
}

export function attention(config: AttentionConfig = {}): Attention {
  return new Attention(config);
}

export function additiveAttention(config: AdditiveAttentionConfig = {}): AdditiveAttention {
  return new AdditiveAttention(config);
}
