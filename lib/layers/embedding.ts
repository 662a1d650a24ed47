// Embedding: token ids [T] -> vectors [T, outputDim]; id 0 may mark padding (maskZero).
import type { LayerSpec, Regularizer } from '../graph_spec';
import { Initializer, InitializerLike, randomUniform } from '../initializers';
import { required, TorchModule } from '../io/torch_module';
import { boolean, initializer, integer, option, OptionTable, positiveInt, regularizer, REQUIRED } from './declaration';
import { Layer, LayerConfig, LayerKindDeclaration, TensorType, weight, WeightInfo } from './layer';

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

export const EMBEDDING_OPTIONS = {
  inputDim: option(integer(1, 2 ** 31 - 1), REQUIRED, { native: true }),
  outputDim: option(positiveInt, REQUIRED, { native: true }),
  maskZero: option(boolean, false, { native: true }),
  embeddingsInitializer: option(initializer, () => randomUniform({ minval: -0.05, maxval: 0.05 })),
  embeddingsRegularizer: option(regularizer, undefined, { native: true }),
  inputLength: option(positiveInt, undefined),
} satisfies OptionTable;

export const EMBEDDING: LayerKindDeclaration = { className: 'Embedding', baseName: 'embedding', options: EMBEDDING_OPTIONS };

export class Embedding extends Layer {
  constructor(config: EmbeddingConfig) {
    const c = config !== null && typeof config === 'object' && config.inputShape === undefined ? { ...config, inputShape: [typeof config.inputLength === 'number' ? config.inputLength : null] } : config;
    super(EMBEDDING, c);
    const inputLength = this.options.inputLength as number | undefined;
    if (inputLength !== undefined && this.inputShape !== undefined && (this.inputShape.length !== 1 || this.inputShape[0] !== inputLength)) {
      throw this.error(`inputLength ${inputLength} disagrees with inputShape ${JSON.stringify(this.inputShape)}`);
    }
  }
  get inputDim(): number {
    return this.options.inputDim as number;
  }
  get outputDim(): number {
    return this.options.outputDim as number;
  }
  get maskZero(): boolean {
    return this.options.maskZero as boolean;
  }
  override get tokenVocabulary(): number {
    return this.inputDim;
  }
  get inputLength(): number | undefined {
    return this.options.inputLength as number | undefined;
  }
  outputTypes(inputs: TensorType[]): TensorType[] {
    this.checkInputCount(inputs);
    const x = inputs[0];
    this.requireRank(x, 1, 'batch, steps of token ids');
    if (x.dtype === 'float32') throw this.error("reads token ids: its input must have dtype 'int32' (input({ shape, dtype: 'int32' }))");
    const steps = x.shape[0];
    if (this.inputLength !== undefined && steps !== null && steps !== this.inputLength) {
      throw this.error(`inputLength is ${this.inputLength}, but the input has ${steps} steps`);
    }
    return [{ shape: [steps, this.outputDim], dtype: 'float32' }];
  }

  override weightsFor(): WeightInfo[] {
    return [weight('embeddings', [this.inputDim, this.outputDim], this.trainable, this.options.embeddingsInitializer as Initializer)];
  }

  /** nn.Embedding: weight [inputDim, outputDim], as Keras keeps it. */
  override fromTorch(m: TorchModule): Float32Array[] {
    return [required(m, 'weight', [this.inputDim, this.outputDim])];
  }

  toSpec(): LayerSpec {
    return { kind: 'embedding', name: this.name, trainable: this.trainable, ...this.nativeOptions() } as LayerSpec;
  }
}

export function embedding(config: EmbeddingConfig): Embedding {
  return new Embedding(config);
}
