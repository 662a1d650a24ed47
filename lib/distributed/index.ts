// distributed: data-parallel training across processes over MPI, Horovod style:
// `mpirun -np 4 node train.js`, distributed.init() in the script, and
// fit(x, y, { distributed: true }).
export { init, isInitialized, rank, size, localRank, availability, reductionStats } from './process_group';
export type { InitOptions, ReductionStats, MpiTopology } from './process_group';
export { MpiUnavailableError } from './mpi_addon';
