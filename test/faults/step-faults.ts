import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVodkit, silentLogger } from '@vodkit/core';
import { busboyMultipart, fsStorage } from '@vodkit/core/node';
import { serve } from '@vodkit/host-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, expectErrorShape, expectUnavailable } from '../support/fault-http.js';
import { FaultInjector, faultyStorage, faultyStore, lostConnectionError } from '../support/faulty.js';
import { type StoreKind, testPasswords } from '../support/stores.js';
import { flows, type Served } from './step-flows.js';

const isStorage = (method: string) => method.startsWith('storage.');

/**
 * A way for a call to fail, the calls it can hit, and what the client must get when it does.
 * A full disk is not here: fsStorage itself turns ENOSPC into vodkit's 507, so a raw ENOSPC
 * above it is no fault it can give; the disk-full suites fill a real disk instead.
 */
interface FailureKind {
  name: string;
  error: () => unknown;
  after?: boolean;
  hits(method: string): boolean;
  /** The answer other than the operation's success. */
  expectAnswer(answer: Answer): void;
}

const anyServerError = (answer: Answer) => expectErrorShape(answer, 'any 5xx');

/**
 * The failures every suite injects. `storeLost` is what the store under test rejects with when
 * its connection is cut, when the suite has captured it (MySQL).
 */
export function failureKinds(storeLost?: () => unknown): FailureKind[] {
  const kinds: FailureKind[] = [
    {
      name: 'a plain Error',
      error: () => new Error('injected failure'),
      hits: () => true,
      expectAnswer: anyServerError,
    },
    {
      name: "mysql2's lost connection",
      error: lostConnectionError,
      hits: (method) => !isStorage(method),
      expectAnswer: expectUnavailable,
    },
    {
      name: "mysql2's lost connection after the work was done",
      error: lostConnectionError,
      after: true,
      hits: (method) => !isStorage(method),
      expectAnswer: expectUnavailable,
    },
  ];
  if (storeLost) {
    kinds.push(
      {
        name: 'what the store throws for a cut connection',
        error: storeLost,
        hits: (method) => !isStorage(method),
        expectAnswer: expectUnavailable,
      },
      {
        name: 'what the store throws for a cut connection, after the work was done',
        error: storeLost,
        after: true,
        hits: (method) => !isStorage(method),
        expectAnswer: expectUnavailable,
      },
    );
  }
  return kinds;
}

/** Runs one check, and says what failed instead of throwing. */
const problem = async (check: () => unknown) => {
  try {
    await check();
    return undefined;
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  }
};

/**
 * Every step of an upload, a video delete and a user deletion fails in turn, once each, with
 * each kind of failure: a real store and a real fsStorage wrapped so that the Nth call of one
 * method throws. The steps are not listed by hand but traced from a run without faults, so a
 * call added to a handler is covered the day it appears. For each step the answer must be the
 * success or the error the failure calls for, and store and storage must agree afterwards.
 */
export function stepFaultSuite(kind: StoreKind, kinds: FailureKind[] = failureKinds()) {
  describe(`each step of a write failing, on the ${kind.name} store`, () => {
    const injector = new FaultInjector();
    const served = {} as Served;
    let close: () => Promise<void>;
    let users = 0;

    beforeAll(async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'vodkit-step-faults-'));
      const { store, cleanup } = await kind.open();
      // No scheduler: a queued deletion stays queued for the checks to see.
      const vodkit = createVodkit({
        store: faultyStore(store, injector),
        storage: faultyStorage(await fsStorage(dataDir), injector),
        multipart: busboyMultipart,
        services: ['api', 'stream'],
        passwords: testPasswords(),
        logger: silentLogger,
      });
      const running = await serve(vodkit, { port: 0, logger: silentLogger });
      Object.assign(served, { url: running.url, dataDir, store, name: () => `step${++users}` });
      close = async () => {
        try {
          await running.close();
          await cleanup();
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      };
    });
    afterAll(() => close?.());

    for (const flow of flows) {
      /** The calls of one run without faults, its checks passed. */
      let trace: Promise<string[]> | undefined;
      const traced = () => {
        trace ??= (async () => {
          const clean = await flow.setup(served);
          injector.arm();
          const answer = await flow.act(served, clean).finally(() => injector.disarm());
          const calls = [...injector.calls];
          expect(answer.status, `without faults: ${answer.bytes}`).toBe(flow.success);
          expect(calls).toEqual(expect.arrayContaining(flow.touches));
          await flow.check(served, clean, answer);
          return calls;
        })();
        return trace;
      };

      for (const failure of kinds) {
        it(`${flow.name}, each step failing with ${failure.name}`, async () => {
          const steps = FaultInjector.steps(await traced()).filter((step) => failure.hits(step.method));
          expect(steps.length, 'calls this failure can hit').toBeGreaterThan(0);
          const broken: string[] = [];
          for (const step of steps) {
            const state = await flow.setup(served);
            injector.arm({ ...step, error: failure.error, after: failure.after ?? false });
            const answer = await flow.act(served, state).finally(() => injector.disarm());
            const found = [
              injector.fired ? undefined : 'the call was not made',
              await problem(() => {
                if (answer.status !== flow.success) failure.expectAnswer(answer);
              }),
              await problem(() => flow.check(served, state, answer)),
            ].filter(Boolean);
            if (found.length > 0) broken.push(`${step.method} #${step.nth} → ${answer.status}: ${found.join('; ')}`);
          }
          console.log(
            `[vodkit faults] ${kind.name}, ${flow.name}, ${failure.name}: ${steps.length} steps (${steps
              .map((step) => step.method)
              .join(', ')}), ${broken.length} broken`,
          );
          expect(broken, 'steps where the answer or the state broke the contract').toEqual([]);
        });
      }
    }
  });
}
