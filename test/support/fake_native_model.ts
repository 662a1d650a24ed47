// A TypeScript double of the native graph's NativeModel, for testing the model API and the
// fit loop without the native training graph. It records every call and answers with
// scripted losses; each train step adds 1 to the first weight's first element, so a test
// can tell which step's weights are in place.
import type { CompileSpec, GraphSpec, NativeModel, OptimizerState, OutputBatch, StepArgs, StepResult } from '../../lib/graph_spec';
import type { Backend } from '../../lib/models/native_model';

export interface FakeScript {
  /** Loss of train step k (default 1 / (k + 1)). */
  trainLoss?: (step: number, args: StepArgs) => number;
  /** Loss of evaluation call k, one call per batch (default 0.5). */
  evalLoss?: (call: number, args: StepArgs) => number;
  /** Metric values of every step (default 0.25 each). */
  metric?: number;
  /** Per-sample output shape of predict (default [1]). */
  outputShape?: number[];
}

/** One step's arguments as plain arrays (the first input and the first output's targets). */
export interface RecordedStep {
  x: number[];
  y: number[];
  batch: number;
  shape: number[];
  mask?: number[];
  sampleWeight?: number[];
  learningRate?: number;
}

export class FakeNativeModel implements NativeModel {
  compiled: CompileSpec[] = [];
  trainSteps: RecordedStep[] = [];
  evalSteps: RecordedStep[] = [];
  predictCalls = 0;
  resetCalls = 0;
  weights: Float32Array[] = [];
  disposed = false;
  private slots: Float32Array[] = [];

  constructor(
    readonly spec: GraphSpec,
    private readonly script: FakeScript,
  ) {}

  compile(spec: CompileSpec): void {
    this.compiled.push(spec);
    this.slots = this.weights.flatMap(() => [new Float32Array(0), new Float32Array(0)]);
  }

  private record(args: StepArgs): RecordedStep {
    const target = args.targets?.find((t) => t !== null);
    const input = args.inputs[0];
    return {
      x: Array.from(input.data),
      y: target ? Array.from(target.data) : [],
      batch: args.batch,
      shape: [...input.shape],
      ...(input.mask ? { mask: Array.from(input.mask) } : {}),
      ...(target?.sampleWeight ? { sampleWeight: Array.from(target.sampleWeight) } : {}),
      ...(args.learningRate !== undefined ? { learningRate: args.learningRate } : {}),
    };
  }

  private result(loss: number, batch: number): Promise<StepResult> {
    const spec = this.compiled[this.compiled.length - 1];
    const outputs = spec.losses.map((l) => (l ? { loss, metrics: l.metrics.map(() => this.script.metric ?? 0.25), count: batch } : null));
    return new Promise((resolve) => setImmediate(() => resolve({ loss, count: batch, outputs })));
  }

  trainStep(args: StepArgs): Promise<StepResult> {
    if (this.compiled.length === 0) return Promise.reject(new Error('fake: trainStep before compile'));
    const k = this.trainSteps.length;
    this.trainSteps.push(this.record(args));
    if (this.weights.length > 0) this.weights[0][0] += 1;
    return this.result(this.script.trainLoss ? this.script.trainLoss(k, args) : 1 / (k + 1), args.batch);
  }

  computeGradients(args: StepArgs): Promise<StepResult> {
    return this.trainStep(args);
  }

  applyGradients(): Promise<void> {
    return Promise.resolve();
  }

  evaluateStep(args: StepArgs): Promise<StepResult> {
    const k = this.evalSteps.length;
    this.evalSteps.push(this.record(args));
    return this.result(this.script.evalLoss ? this.script.evalLoss(k, args) : 0.5, args.batch);
  }

  /** Each output element is its sample's first input value; output shapes as the spec's (free axes: the input's time axis). */
  predict(args: StepArgs): Promise<OutputBatch[]> {
    this.predictCalls++;
    const x = args.inputs[0];
    const rowIn = x.data.length / args.batch;
    return Promise.resolve(
      this.outputShapes().map((s) => {
        const shape = s.map((d) => (d === null ? x.shape[0] : d));
        const per = shape.reduce((a, b) => a * b, 1);
        const data = new Float32Array(args.batch * per);
        for (let b = 0; b < args.batch; b++) data.fill(x.data[b * rowIn], b * per, (b + 1) * per);
        return { data, shape };
      }),
    );
  }

  getWeights(): Float32Array[] {
    return this.weights.map((w) => Float32Array.from(w));
  }

  setWeights(weights: Float32Array[]): void {
    this.weights = weights.map((w) => Float32Array.from(w));
  }

  getGradients(): Float32Array[] {
    return this.weights.map((w) => new Float32Array(w.length));
  }

  setGradients(): void {}

  resetStates(): void {
    this.resetCalls++;
  }

  outputShapes(): (number | null)[][] {
    return this.spec.outputs.map(() => this.script.outputShape ?? [1]);
  }

  getOptimizerState(): OptimizerState {
    return { step: this.trainSteps.length, iterations: this.trainSteps.length, slots: this.slots };
  }

  setOptimizerState(state: OptimizerState): void {
    this.slots = state.slots;
  }

  slotSizes(): number[] {
    return this.slots.map((s) => s.length);
  }

  /** Grows the weight to hold the piece (the double knows no weight sizes of its own). */
  writeValues(kind: 'weight' | 'slot', index: number, offset: number, values: Float32Array): void {
    const list = kind === 'weight' ? this.weights : this.slots;
    const old = list[index] ?? new Float32Array(0);
    const grown = old.length >= offset + values.length ? old : new Float32Array(offset + values.length);
    if (grown !== old) grown.set(old);
    grown.set(values, offset);
    list[index] = grown;
  }

  readValues(kind: 'weight' | 'slot', index: number, offset: number, out: Float32Array): void {
    const list = kind === 'weight' ? this.weights : this.slots;
    out.set(list[index].subarray(offset, offset + out.length));
  }

  setOptimizerCounters(): void {}

  optimizerCounters(): { step: number; iterations: number } {
    return { step: this.trainSteps.length, iterations: this.trainSteps.length };
  }

  memory(): { bytes: number; allocations: number } {
    return { bytes: 0, allocations: 0 };
  }

  dispose(): void {
    this.disposed = true;
  }
}

/** A Backend that makes FakeNativeModels and keeps them for inspection. */
export class FakeBackend implements Backend {
  readonly name = 'fake';
  readonly models: FakeNativeModel[] = [];
  constructor(private readonly script: FakeScript = {}) {}
  createModel(spec: GraphSpec, compile?: CompileSpec): Promise<FakeNativeModel> {
    const m = new FakeNativeModel(spec, this.script);
    if (compile) m.compile(compile);
    this.models.push(m);
    return Promise.resolve(m);
  }
  get last(): FakeNativeModel {
    return this.models[this.models.length - 1];
  }
}
