/**
 * @module Worker-thread entry: owns one Executor and answers query and export-stream messages from the pools.
 *
 * Before answering anything it imports the plugins whose prepare_connection runs on its connections. If that
 * fails (a plugin that does not load here, a bad --nolock set-up) the worker stays up and answers every
 * request with the failure, so the pool reports it instead of restarting workers forever.
 */
import { parentPort, workerData } from "node:worker_threads";
import { Executor, describeFailure, handleStreamMessage, type ExecutorInit, type QueryFailure, type QueryRequest, type StreamMessage } from "./executor.js";
import { connectionHooks } from "../plugins/load.js";

const init = workerData as ExecutorInit;
let executor: Executor | null = null;
let broken: QueryFailure | null = null;
try {
  executor = new Executor(init, await connectionHooks(init.plugins ?? []));
} catch (err) {
  broken = { kind: "internal", message: describeFailure(err).message };
}

parentPort!.on("message", (msg: { id: number; req: QueryRequest } | { close: true } | StreamMessage) => {
  if ("close" in msg) {
    executor?.close();
    parentPort!.close();
    return;
  }
  if ("stream" in msg) {
    parentPort!.postMessage(executor ? handleStreamMessage(executor, msg) : { sid: msg.sid, failure: broken });
    return;
  }
  if (!executor) {
    parentPort!.postMessage({ id: msg.id, failure: broken });
    return;
  }
  try {
    const result = executor.execute(msg.req);
    parentPort!.postMessage({ id: msg.id, result });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, failure: describeFailure(err) });
  }
});
