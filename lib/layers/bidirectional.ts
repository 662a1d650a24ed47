// Bidirectional: a recurrent layer run forward and a copy run backward, outputs merged.
import type { LayerSpec } from '../graph_spec';
import { Shape } from '../tensor';
import { Layer, LayerConfig, WeightInfo } from './layer';
import { RecurrentLayer } from './recurrent';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

export interface BidirectionalConfig extends Omit<LayerConfig, 'trainable'> {
  /** The forward layer (SimpleRNN, LSTM or GRU); its backward twin is made with goBackwards flipped. */
  layer: RecurrentLayer;
  /** How the two outputs combine (default 'concat'); null or 'none' keeps both (not possible in a Sequential model). */
  mergeMode?: MergeMode | 'none' | null;
  trainable?: boolean;
}

const MERGE_MODES: readonly (MergeMode | 'none')[] = ['concat', 'sum', 'mul', 'ave', 'none'];

export class Bidirectional extends Layer {
  readonly className = 'Bidirectional';
  /** null: the two directions are separate outputs. */
  readonly mergeMode: MergeMode | null;
  readonly forwardLayer: RecurrentLayer;
  readonly backwardLayer: RecurrentLayer;

  constructor(config: BidirectionalConfig) {
    super({ ...config, inputShape: config.inputShape ?? config.layer?.inputShape }, 'bidirectional');
    if (!(config.layer instanceof RecurrentLayer)) {
      throw this.error('layer must be a recurrent layer (layers.simpleRNN, layers.lstm or layers.gru)');
    }
    const mode = config.mergeMode === null ? 'none' : this.oneOf('mergeMode', config.mergeMode, MERGE_MODES, 'concat');
    this.mergeMode = mode === 'none' ? null : mode;
    const inner = config.layer;
    const trainable = this.trainable && inner.trainable;
    this.forwardLayer = inner.withOptions({ name: `forward_${inner.name}`, trainable });
    this.backwardLayer = inner.withOptions({ name: `backward_${inner.name}`, goBackwards: !inner.goBackwards, trainable });
  }

  computeOutputShape(inputShape: Shape): Shape {
    const out = this.forwardLayer.computeOutputShape(inputShape);
    if (this.mergeMode !== 'concat') return out;
    const last = out[out.length - 1] as number;
    return [...out.slice(0, -1), 2 * last];
  }

  override weights(inputShape: Shape): WeightInfo[] {
    return [...this.forwardLayer.weights(inputShape), ...this.backwardLayer.weights(inputShape)];
  }

  toSpec(): LayerSpec {
    if (this.mergeMode === null) {
      throw this.error("mergeMode null returns two outputs, which a Sequential model cannot pass on; use 'concat', 'sum', 'mul' or 'ave'");
    }
    return {
      kind: 'bidirectional',
      name: this.name,
      mergeMode: this.mergeMode,
      forward: this.forwardLayer.toSpec(),
      backward: this.backwardLayer.toSpec(),
    };
  }
}

export function bidirectional(config: BidirectionalConfig): Bidirectional {
  return new Bidirectional(config);
}
