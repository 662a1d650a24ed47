// A TypeScript double of the native graph's NativeModel, for testing the model API and the
// fit loop without the native training graph. It records every call and answers with
// scripted losses; each train step adds 1 to the first weight's first element, so a test
// can tell which step's weights are in place.
import type { CompileSpec, GraphSpec, NativeModel, StepArgs, StepResult } from '../../lib/graph_spec';
import type { Backend } from '../../lib/models/native_model';

export interface FakeScript {
  /** Loss of train step k (default 1 / (k + 1)). */
  trainLoss?: (step: number, args: StepArgs) => number;
  /** Loss of evaluation call k, one call per batch (default 0.5). */
  evalLoss?: (call: number, args: StepArgs) => number;
  /** Metric values of every step (default 0.25 each). */
  metric?: number;
  /** Per-sample output shape (default [1]). */
  outputShape?: number[];
}

export interface RecordedStep {
  x: number[];
  y: number[];
  batch: number;
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

  constructor(
    readonly spec: GraphSpec,
    private readonly script: FakeScript,
  ) {}

  compile(spec: CompileSpec): void {
    this.compiled.push(spec);
  }

  private record(args: StepArgs): RecordedStep {
    return {
      x: Array.from(args.x),
      y: Array.from(args.y),
      batch: args.batch,
      ...(args.sampleWeight ? { sampleWeight: Array.from(args.sampleWeight) } : {}),
      ...(args.learningRate !== undefined ? { learningRate: args.learningRate } : {}),
    };
  }

  private result(loss: number, batch: number): Promise<StepResult> {
    const metrics = this.compiled[this.compiled.length - 1].metrics.map(() => this.script.metric ?? 0.25);
    return new Promise((resolve) => setImmediate(() => resolve({ loss, metrics, count: batch })));
  }

  trainStep(args: StepArgs): Promise<StepResult> {
    if (this.compiled.length === 0) return Promise.reject(new Error('fake: trainStep before compile'));
    const k = this.trainSteps.length;
    this.trainSteps.push(this.record(args));
    if (this.weights.length > 0) this.weights[0][0] += 1;
    return this.result(this.script.trainLoss ? this.script.trainLoss(k, args) : 1 / (k + 1), args.batch);
  }

  evaluateStep(args: StepArgs): Promise<StepResult> {
    const k = this.evalSteps.length;
    this.evalSteps.push(this.record(args));
    return this.result(this.script.evalLoss ? this.script.evalLoss(k, args) : 0.5, args.batch);
  }

  predict(args: { x: Int32Array | Float32Array; batch: number }): Promise<Float32Array> {
    this.predictCalls++;
    const per = this.outputShape().reduce((a, b) => a * b, 1);
    const rowIn = args.x.length / args.batch;
    const out = new Float32Array(args.batch * per);
    // Each output element is its sample's first input value.
    for (let b = 0; b < args.batch; b++) out.fill(args.x[b * rowIn], b * per, (b + 1) * per);
    return Promise.resolve(out);
  }

  getWeights(): Float32Array[] {
    return this.weights.map((w) => Float32Array.from(w));
  }

  setWeights(weights: Float32Array[]): void {
    this.weights = weights.map((w) => Float32Array.from(w));
  }

  resetStates(): void {
    this.resetCalls++;
  }

  outputShape(): number[] {
    return this.script.outputShape ?? [1];
  }
}

/** A Backend that makes FakeNativeModels and keeps them for inspection. */
export class FakeBackend implements Backend {
  readonly name = 'fake';
  readonly models: FakeNativeModel[] = [];
  constructor(private readonly script: FakeScript = {}) {}
  createModel(spec: GraphSpec): FakeNativeModel {
    const m = new FakeNativeModel(spec, this.script);
    this.models.push(m);
    return m;
  }
  get last(): FakeNativeModel {
    return this.models[this.models.length - 1];
  }
}
