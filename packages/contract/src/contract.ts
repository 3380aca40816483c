import { initContract } from '@ts-rest/core';
import { apiContract, healthContract } from './api.js';
import { resumableContract } from './resumable.js';
import { schedulerContract } from './scheduler.js';
import { streamContract } from './stream.js';

const c = initContract();

/** The whole HTTP surface of vodkit. Paths, bodies and statuses are written here and nowhere else. */
export const contract = c.router({
  api: apiContract,
  stream: streamContract,
  resumable: resumableContract,
  scheduler: schedulerContract,
  health: healthContract,
});

export type Contract = typeof contract;
