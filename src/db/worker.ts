/** @module Worker-thread entry: owns one Executor and answers query messages from the pool. */
import { parentPort, workerData } from "node:worker_threads";
import { Executor, describeFailure, type ExecutorInit, type QueryRequest } from "./executor.js";

const executor = new Executor(workerData as ExecutorInit);

parentPort!.on("message", (msg: { id: number; req: QueryRequest } | { close: true }) => {
  if ("close" in msg) {
    executor.close();
    parentPort!.close();
    return;
  }
  try {
    const result = executor.execute(msg.req);
    parentPort!.postMessage({ id: msg.id, result });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, failure: describeFailure(err) });
  }
});
