/**
 * @module A pool of worker threads, each with its own read connections, so a slow query never blocks the
 * event loop. Jobs queue FIFO; a worker takes one job at a time. With size 0 queries run in-process.
 */
import { Worker, type ResourceLimits } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { Executor, describeFailure, type ConnectionHook, type ExecutorInit, type QueryFailure, type QueryRequest, type QueryResult } from "./executor.js";

/** A query that failed inside SQLite (or ran out of time): carries the kind so callers pick the message. */
export class QueryError extends Error {
  constructor(readonly failure: QueryFailure) {
    super(failure.message);
  }
}

interface Job {
  req: QueryRequest;
  resolve: (r: QueryResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
  id: number;
  /** The worker has answered a job (so it could at least set itself up). */
  answered: boolean;
}

/** Workers that die before answering anything this many times in a row: the pool stops restarting them. */
const MAX_FAILED_STARTS = 3;

const workerUrl = new URL(import.meta.url.endsWith(".ts") ? "./worker.ts" : "./worker.js", import.meta.url);

/** Start a query worker (db/worker.ts) with its own connections; it does not keep the process alive. */
export function startWorker(init: ExecutorInit, resourceLimits?: ResourceLimits): Worker {
  let worker: Worker;
  if (workerUrl.pathname.endsWith(".ts")) {
    // Running from source (tests, tsx): the worker registers tsx before importing the TypeScript entry.
    const api = import.meta.resolve("tsx/esm/api");
    const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); });`;
    worker = new Worker(code, { eval: true, workerData: init, resourceLimits });
  } else {
    worker = new Worker(fileURLToPath(workerUrl), { workerData: init, resourceLimits });
  }
  worker.unref();
  return worker;
}

export interface QueryRunner {
  run(req: QueryRequest): Promise<QueryResult>;
  close(): Promise<void>;
}

/** Runs queries in-process (num_sql_threads = 0): time limits still hold, but a slow query blocks the loop. */
export class InProcessRunner implements QueryRunner {
  private readonly executor: Executor;
  /** `hooks`: the loaded plugins' prepare_connection, called directly (no import). */
  constructor(init: ExecutorInit, hooks: readonly ConnectionHook[] = []) {
    this.executor = new Executor(init, hooks);
  }
  async run(req: QueryRequest): Promise<QueryResult> {
    try {
      return this.executor.execute(req);
    } catch (err) {
      throw new QueryError(describeFailure(err));
    }
  }
  async close(): Promise<void> {
    this.executor.close();
  }
}

export class WorkerPool implements QueryRunner {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private closed = false;
  /** Consecutive workers that died before answering; past MAX_FAILED_STARTS, why the pool gave up. */
  private failedStarts = 0;
  private broken: QueryFailure | null = null;

  constructor(
    private readonly init: ExecutorInit,
    size: number,
  ) {
    for (let i = 0; i < Math.max(1, size); i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = startWorker(this.init);
    const slot: Slot = { worker, job: null, id: 0, answered: false };
    worker.on("message", (msg: { id: number; result?: QueryResult; failure?: QueryFailure }) => {
      if (!slot.answered) {
        slot.answered = true;
        this.failedStarts = 0;
      }
      const job = slot.job;
      if (!job || msg.id !== slot.id) return;
      slot.job = null;
      if (msg.failure) job.reject(new QueryError(msg.failure));
      else job.resolve(msg.result!);
      this.dispatch();
    });
    worker.on("error", (err) => this.replace(slot, err));
    worker.on("exit", (code) => {
      if (!this.closed) this.replace(slot, new Error(`query worker exited with code ${code}`));
    });
    return slot;
  }

  /**
   * A worker died (it should not: the executor catches every query's failure): fail its job, start a fresh
   * one in its place — unless workers keep dying before answering anything (a plugin module that crashes the
   * thread as it loads): then every job, now and later, fails with the reason, rather than the pool
   * restarting workers forever.
   */
  private replace(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    const job = slot.job;
    slot.job = null;
    const failure: QueryFailure = { kind: "internal", message: slot.answered ? err.message : `a query worker failed to start: ${err.message}` };
    if (job) job.reject(new QueryError(failure));
    if (this.closed || this.broken) return;
    if (!slot.answered && ++this.failedStarts >= MAX_FAILED_STARTS) {
      this.broken = failure;
      this.slots.splice(i, 1);
      for (const waiting of this.queue.splice(0)) waiting.reject(new QueryError(failure));
      return;
    }
    this.slots[i] = this.spawn();
    this.dispatch();
  }

  run(req: QueryRequest): Promise<QueryResult> {
    if (this.closed) return Promise.reject(new QueryError({ kind: "internal", message: "database pool is closed" }));
    if (this.broken) return Promise.reject(new QueryError(this.broken));
    return new Promise((resolve, reject) => {
      this.queue.push({ req, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.job) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.id++;
      slot.worker.postMessage({ id: slot.id, req: job.req });
    }
  }

  /** Jobs waiting for a free worker (for /-/threads and tests). */
  get pending(): number {
    return this.queue.length;
  }

  get size(): number {
    return this.slots.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new QueryError({ kind: "internal", message: "database pool is closed" }));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

/**
 * The single write connection per database: one worker thread with read-write connections (no
 * `query_only`, no lock-down), started on first use. Writes queue behind each other, as SQLite needs;
 * `?sql=` and every read path use the read pool and can never reach it.
 */
export class WriteRunner implements QueryRunner {
  private pool: WorkerPool | null = null;

  constructor(private readonly init: ExecutorInit) {}

  run(req: QueryRequest): Promise<QueryResult> {
    this.pool ??= new WorkerPool({ ...this.init, databases: this.init.databases.map((d) => ({ ...d, readonly: false, attach: [] })) }, 1);
    return this.pool.run(req);
  }

  async close(): Promise<void> {
    await this.pool?.close();
  }
}
