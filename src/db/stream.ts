/**
 * @module Export streams, main side: the export pool and the async iterator a streamed reply drains.
 *
 * Streams (`_stream=on`) run on their own small pool of executors — worker threads with their own
 * read-only connections — because a stream holds its statement open between chunks, and an interrupt on a
 * connection would hit every statement on it: streams never share a connection with the read pool, and
 * never block it. Exports queue FIFO when every export slot is busy.
 *
 * Protocol (worker side: `handleStreamMessage` in executor.ts): `open` → first chunk, `next` → next chunk,
 * `cancel` → statement reset. The worker renders rows into text chunks (~128 KB) and waits to be asked for
 * the next one; this side asks for chunk n+1 as soon as chunk n arrives (one chunk of read-ahead), and no
 * further until the consumer takes chunk n — back-pressure from the socket reaches SQLite, and memory stays
 * at about two chunks per stream. The time limit is armed for each chunk separately.
 */
import type { Worker } from "node:worker_threads";
import { Executor, handleStreamMessage, type ConnectionHook, type ExecutorInit, type StreamChunk, type StreamMessage, type StreamReply, type StreamRequest } from "./executor.js";
import { QueryError, startWorker } from "./pool.js";

/** One export executor: asked one thing at a time, answers in order. */
interface Slot {
  request(msg: StreamMessage): Promise<StreamReply>;
  close(): Promise<void>;
}

/** A worker thread with its own connections, started on first use and replaced if it dies. */
class WorkerSlot implements Slot {
  private worker: Worker | null = null;
  private pending: { resolve: (r: StreamReply) => void; reject: (e: Error) => void } | null = null;
  private closed = false;

  constructor(private readonly init: ExecutorInit) {}

  private start(): Worker {
    // A small young generation: a stream's garbage is short-lived text, and the heap's slack is most of its memory.
    const worker = startWorker(this.init, { maxYoungGenerationSizeMb: 4 });
    worker.on("message", (reply: StreamReply) => {
      const p = this.pending;
      this.pending = null;
      p?.resolve(reply);
    });
    const died = (err: Error) => {
      if (this.worker !== worker) return;
      this.worker = null;
      const p = this.pending;
      this.pending = null;
      p?.reject(new QueryError({ kind: "internal", message: err.message }));
    };
    worker.on("error", died);
    worker.on("exit", (code) => died(new Error(`export worker exited with code ${code}`)));
    return worker;
  }

  request(msg: StreamMessage): Promise<StreamReply> {
    if (this.closed) return Promise.reject(new QueryError({ kind: "internal", message: "export pool is closed" }));
    this.worker ??= this.start();
    const worker = this.worker;
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      worker.postMessage(msg);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.pending?.reject(new QueryError({ kind: "internal", message: "export pool is closed" }));
    this.pending = null;
    if (worker) await worker.terminate();
  }
}

/** num_sql_threads=0: the same protocol on in-process connections (one executor per slot), a chunk per turn of the loop. */
class InProcessSlot implements Slot {
  private executor: Executor | null = null;
  constructor(
    private readonly init: ExecutorInit,
    private readonly hooks: readonly ConnectionHook[],
  ) {}

  request(msg: StreamMessage): Promise<StreamReply> {
    const executor = (this.executor ??= new Executor(this.init, this.hooks));
    return new Promise((resolve) => setImmediate(() => resolve(handleStreamMessage(executor, msg))));
  }

  async close(): Promise<void> {
    this.executor?.close();
    this.executor = null;
  }
}

export interface ExportRunner {
  /** Open an export: resolves with the stream once its first chunk is rendered; SQL errors reject here. */
  open(req: StreamRequest, errorLine: (err: QueryError) => string): Promise<ExportStream>;
  close(): Promise<void>;
}

export class ExportPool implements ExportRunner {
  private readonly slots: Slot[];
  private readonly free: Slot[];
  private readonly waiting: { resolve: (s: Slot) => void; reject: (e: Error) => void }[] = [];
  private nextSid = 1;
  private closed = false;

  /** `hooks` (prepare_connection) are for in-process slots; workers import init.plugins themselves. */
  constructor(init: ExecutorInit, size = 2, inProcess = false, hooks: readonly ConnectionHook[] = []) {
    this.slots = Array.from({ length: Math.max(1, size) }, () => (inProcess ? new InProcessSlot(init, hooks) : new WorkerSlot(init)));
    this.free = [...this.slots].reverse();
  }

  /** Streams running now. */
  get active(): number {
    return this.slots.length - this.free.length;
  }

  /** Exports waiting for a free slot. */
  get pending(): number {
    return this.waiting.length;
  }

  get size(): number {
    return this.slots.length;
  }

  private acquire(): Promise<Slot> {
    if (this.closed) return Promise.reject(new QueryError({ kind: "internal", message: "export pool is closed" }));
    const slot = this.free.pop();
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** @internal Called once by a stream when it is finished with its slot. */
  release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next.resolve(slot);
    else this.free.push(slot);
  }

  async open(req: StreamRequest, errorLine: (err: QueryError) => string): Promise<ExportStream> {
    const slot = await this.acquire();
    const sid = this.nextSid++;
    let reply: StreamReply;
    try {
      reply = await slot.request({ stream: "open", sid, req });
    } catch (err) {
      this.release(slot);
      throw err;
    }
    if ("failure" in reply) {
      this.release(slot);
      throw new QueryError(reply.failure);
    }
    if (!("chunk" in reply)) {
      this.release(slot);
      throw new QueryError({ kind: "internal", message: "unexpected export reply" });
    }
    return new ExportStream(this, slot, sid, reply.chunk, errorLine);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new QueryError({ kind: "internal", message: "export pool is closed" }));
    await Promise.all(this.slots.map((s) => s.close()));
  }
}

/**
 * The text of one export, chunk by chunk. Draining it asks the worker for more; `return()` (client gone,
 * HEAD, server error) waits for any chunk in flight, cancels the statement and frees the slot. A query that
 * fails after output has begun (time limit, SQL error) ends the text with the format's error line.
 */
export class ExportStream implements AsyncIterableIterator<string> {
  readonly columns: string[];
  /** Rows rendered so far (all chunks received). */
  rows: number;
  private buffered: string | null;
  private inflight: Promise<StreamReply> | null = null;
  /** The worker still holds the statement. */
  private open: boolean;
  private finished = false;

  constructor(
    private readonly pool: ExportPool,
    private readonly slot: Slot,
    private readonly sid: number,
    first: StreamChunk,
    private readonly errorLine: (err: QueryError) => string,
  ) {
    this.columns = first.columns ?? [];
    this.rows = first.rows;
    this.buffered = first.text;
    this.open = !first.done;
    if (this.open) this.prefetch();
    else {
      // Complete in one chunk: the worker has already let go of the statement.
      this.finished = true;
      pool.release(slot);
    }
  }

  private prefetch(): void {
    this.inflight = this.slot.request({ stream: "next", sid: this.sid });
    this.inflight.catch(() => undefined); // observed in next() or finish()
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<string>> {
    for (;;) {
      if (this.buffered !== null) {
        const text = this.buffered;
        this.buffered = null;
        if (text) return { value: text, done: false };
        continue;
      }
      if (!this.inflight || this.finished) {
        await this.finish();
        return { value: undefined, done: true };
      }
      let reply: StreamReply;
      try {
        reply = await this.inflight;
      } catch (err) {
        // The worker died: the text stops here and the caller sees the error (the response is cut off).
        this.inflight = null;
        this.open = false;
        await this.finish();
        throw err;
      }
      this.inflight = null;
      if ("chunk" in reply) {
        this.buffered = reply.chunk.text;
        this.rows += reply.chunk.rows;
        if (reply.chunk.done) this.open = false;
        else this.prefetch();
      } else {
        this.open = false;
        if ("failure" in reply) this.buffered = this.errorLine(new QueryError(reply.failure));
      }
    }
  }

  async return(): Promise<IteratorResult<string>> {
    await this.finish();
    return { value: undefined, done: true };
  }

  private async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.buffered = null;
    if (this.inflight) {
      try {
        const reply = await this.inflight;
        if (!("chunk" in reply) || reply.chunk.done) this.open = false;
      } catch {
        this.open = false;
      }
      this.inflight = null;
    }
    if (this.open) {
      this.open = false;
      try {
        await this.slot.request({ stream: "cancel", sid: this.sid });
      } catch {
        // the worker died meanwhile: its replacement holds nothing
      }
    }
    this.pool.release(this.slot);
  }
}
