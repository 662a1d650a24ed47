// One process of the mpirun jobs of test/distributed.test.ts:
//   node fit_worker.js train <outDir>           fit the case with SGD and with Adam, distributed; write rank<r>.json
//   node fit_worker.js dense <outDir>           the same with the embedding's gradient reduced as a dense table
//   node fit_worker.js kill <outDir>            rank 1 kills itself (SIGKILL) after two steps; the others train on
//   node fit_worker.js disagree <outDir>        rank 1 asks for one epoch more than the others
//   node fit_worker.js fail <outDir>            rank 1's model is disposed after two steps, so its third step fails
import * as fs from 'node:fs';
import * as path from 'node:path';

import { distributed } from '../../lib/index';
import { caseData, caseModel, EPOCHS, OptimizerName, PER_RANK_BATCH, VALIDATION_SPLIT, weightBytes } from './fit_case';

async function main(): Promise<void> {
  const [mode, outDir] = process.argv.slice(2);
  // Small fusion buckets: the dense gradients go in several.
  const topology = distributed.init({ fusionBytes: 1024, sparseAsDense: mode === 'dense' });
  const { x, y } = caseData();
  const results: Record<string, { weights: string; history: Record<string, number[]> }> = {};
  for (const name of ['sgd', 'adam'] as OptimizerName[]) {
    // A different seed on every rank: the broadcast of rank 0's weights must make them agree.
    const m = caseModel(name, 1000 + topology.rank);
    const rank1 = topology.rank === 1 && (mode === 'kill' || mode === 'fail');
    const sabotage = {
      onBatchEnd: (b: number) => {
        if (!rank1 || b !== 1) return;
        if (mode === 'kill') process.kill(process.pid, 'SIGKILL');
        else m.dispose();
      },
    };
    const epochs = mode === 'disagree' && topology.rank === 1 ? EPOCHS + 1 : EPOCHS;
    const h = await m.fit(x, y, { batchSize: PER_RANK_BATCH, epochs, validationSplit: VALIDATION_SPLIT, verbose: 0, distributed: true, callbacks: [sabotage] });
    results[name] = { weights: weightBytes(m), history: h.history };
  }
  const stats = distributed.reductionStats();
  fs.writeFileSync(path.join(outDir, `rank${topology.rank}.json`), JSON.stringify({ topology, results, stats }));
}

main().catch((err) => {
  process.stderr.write(`rank ${distributed.isInitialized() ? distributed.rank() : '?'}: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
