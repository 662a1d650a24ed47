// Embedding: token ids [T] -> vectors [T, outputDim]; id 0 may mark padding (maskZero).
import type { LayerSpec, Regularizer } from '../graph_spec';
import { InitializerLike, randomUniform } from '../initializers';
import { Shape } from '../tensor';
import { Layer, LayerConfig, weight, WeightInfo } from './layer';

export interface EmbeddingConfig extends LayerConfig {
  /** Vocabulary size: ids are in [0, inputDim). */
  inputDim: number;
  outputDim: number;
  /** Id 0 is padding: masked time steps are skipped by the layers after (default false). */
  maskZero?: boolean;
  /** Default uniform(-0.05, 0.05); initializers.constant({ value }) loads a pretrained matrix. */
  embeddingsInitializer?: InitializerLike;
  embeddingsRegularizer?: Regularizer;
  /** Fixed sequence length, when known. */
  inputLength?: number;
}

export class Embedding extends Layer {
  readonly className = 'Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly maskZero: boolean;
  readonly inputLength: number | undefined;
  private readonly embeddingsInitializer;
  private readonly embeddingsRegularizer: Regularizer | undefined;

  constructor(config: EmbeddingConfig) {
    super({ ...config, inputShape: config.inputShape ?? (config.inputLength !== undefined ? [config.inputLength] : [null]) }, 'embedding');
    this.inputDim = this.positiveInt('inputDim', config.inputDim);
    this.outputDim = this.positiveInt('outputDim', config.outputDim);
    this.maskZero = this.flag('maskZero', config.maskZero, false);
    this.inputLength = config.inputLength === undefined ? undefined : this.positiveInt('inputLength', config.inputLength);
    this.embeddingsInitializer = this.initializer('embeddingsInitializer', config.embeddingsInitializer, () =>
      randomUniform({ minval: -0.05, maxval: 0.05 }),
    );
    this.embeddingsRegularizer = this.regularizer('embeddingsRegularizer', config.embeddingsRegularizer);
  }

  computeOutputShape(inputShape: Shape): Shape {
    this.requireInputRank(inputShape, 1, 'batch, steps of token ids');
    if (this.inputLength !== undefined && inputShape[0] !== null && inputShape[0] !== this.inputLength) {
      throw this.error(`inputLength is ${this.inputLength}, but the input has ${inputShape[0]} steps`);
    }
    return [inputShape[0], this.outputDim];
  }

  override weights(): WeightInfo[] {
    return [weight('embeddings', [this.inputDim, this.outputDim], this.trainable, this.embeddingsInitializer)];
  }

  toSpec(): LayerSpec {
    return {
      kind: 'embedding',
      name: this.name,
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      maskZero: this.maskZero,
      trainable: this.trainable,
      ...(this.embeddingsRegularizer ? { embeddingsRegularizer: this.embeddingsRegularizer } : {}),
    };
  }
}

export function embedding(config: EmbeddingConfig): Embedding {
  return new Embedding(config);
}
