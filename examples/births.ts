// Forecasting daily US births (1969-1988) one day ahead with an LSTM on windows of the past
// four weeks, against the seasonal-naive forecast (the value 7 days earlier).
// Run: `npm run example:births`.
import { loadUsBirths, timeseriesDataset } from '../lib/data/index';
import { dense } from '../lib/layers/dense';
import { lstm } from '../lib/layers/lstm';
import { sequential } from '../lib/models/sequential';
import { setNumThreads } from '../lib/runtime';
import { adam } from '../lib/training/optimizers';

/** Seasonal-naive forecast: prediction[t] = series[t - period] for t >= period (NaN before). */
export function seasonalNaive(series: ArrayLike<number>, period = 7): Float64Array {
  const out = new Float64Array(series.length).fill(NaN);
  for (let t = period; t < series.length; t++) out[t] = series[t - period];
  return out;
}

/** Mean squared error over the positions where both values are finite. */
export function meanSquaredError(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  if (actual.length !== predicted.length) throw new RangeError(`meanSquaredError: ${actual.length} values but ${predicted.length} predictions`);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = actual[i] - predicted[i];
    if (Number.isFinite(d)) {
      sum += d * d;
      n++;
    }
  }
  return n === 0 ? NaN : sum / n;
}

/** Mean and standard deviation of values (population). */
export function meanStd(values: ArrayLike<number>): { mean: number; std: number } {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i];
  mean /= values.length;
  let v = 0;
  for (let i = 0; i < values.length; i++) v += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / values.length) || 1 };
}

/** The windows whose target index lies in [from, to): inputs [N, L, 1] and targets [N, 1]. */
export function windowsWithTargetsIn(series: Float32Array, lookback: number, from: number, to: number) {
  const start = Math.max(0, from - lookback);
  const part = series.subarray(start, to);
  const ds = timeseriesDataset(part, { sequenceLength: lookback, targetOffset: 1 });
  return { x: ds.inputs, y: ds.targets as { data: Float32Array; shape: number[] }, firstTarget: start + lookback };
}

export async function main(options: { lookback?: number; units?: number; epochs?: number; threads?: number } = {}): Promise<void> {
  const { lookback = 28, units = 32, epochs = 15 } = options;
  setNumThreads(options.threads ?? 1);
  const started = performance.now();
  const { all, train, validation, test } = loadUsBirths();
  const births = Float64Array.from(all.births);
  const { mean, std } = meanStd(train.births); // statistics of the training years only
  const z = Float32Array.from(births, (b) => (b - mean) / std);
  const trainEnd = train.births.length;
  const validationEnd = trainEnd + validation.births.length;
  const trainSet = windowsWithTargetsIn(z, lookback, 0, trainEnd);
  const validationSet = windowsWithTargetsIn(z, lookback, trainEnd, validationEnd);
  const testSet = windowsWithTargetsIn(z, lookback, validationEnd, births.length);

  const model = sequential([lstm({ units, inputShape: [lookback, 1] }), dense({ units: 1 })], { name: 'births_lstm', seed: 3 });
  model.compile({ optimizer: adam({ learningRate: 0.003 }), loss: 'mse' });
  const history = await model.fit(trainSet.x, trainSet.y, { epochs, batchSize: 64, validationData: [validationSet.x, validationSet.y], verbose: 2 });

  const predicted = (await model.predict(testSet.x, { batchSize: 256 })).data;
  const actual = births.subarray(validationEnd);
  const lstmForecast = Float64Array.from(predicted, (p) => p * std + mean);
  const naive = seasonalNaive(births, 7).subarray(validationEnd);
  const lstmMse = meanSquaredError(actual, lstmForecast);
  const naiveMse = meanSquaredError(actual, naive);
  const seconds = (performance.now() - started) / 1000;
  console.log(`\nUS births, ${test.dates[0]} to ${test.dates[test.dates.length - 1]} (${actual.length} test days), one day ahead from the previous ${lookback} days`);
  console.log(`training 1969-1984 (${trainSet.y.shape[0]} windows), validation 1985-1986, normalized with the training mean ${mean.toFixed(0)} and std ${std.toFixed(0)}`);
  console.log(`final val_loss (normalized MSE): ${history.history.val_loss[history.history.val_loss.length - 1].toFixed(4)}`);
  console.log('forecast              test MSE (births^2)   RMSE (births)');
  console.log(`LSTM(${units})              ${lstmMse.toFixed(0).padStart(12)}   ${Math.sqrt(lstmMse).toFixed(1).padStart(12)}`);
  console.log(`seasonal naive (t-7)  ${naiveMse.toFixed(0).padStart(12)}   ${Math.sqrt(naiveMse).toFixed(1).padStart(12)}`);
  console.log(`LSTM / baseline MSE:  ${(lstmMse / naiveMse).toFixed(3)}; elapsed ${seconds.toFixed(1)} s`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
