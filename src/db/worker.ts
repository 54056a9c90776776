/** @module Worker-thread entry: owns one Executor and answers query and export-stream messages from the pools. */
import { parentPort, workerData } from "node:worker_threads";
import { Executor, describeFailure, handleStreamMessage, type ExecutorInit, type QueryRequest, type StreamMessage } from "./executor.js";

const executor = new Executor(workerData as ExecutorInit);

parentPort!.on("message", (msg: { id: number; req: QueryRequest } | { close: true } | StreamMessage) => {
  if ("close" in msg) {
    executor.close();
    parentPort!.close();
    return;
  }
  if ("stream" in msg) {
    parentPort!.postMessage(handleStreamMessage(executor, msg));
    return;
  }
  try {
    const result = executor.execute(msg.req);
    parentPort!.postMessage({ id: msg.id, result });
  } catch (err) {
    parentPort!.postMessage({ id: msg.id, failure: describeFailure(err) });
  }
});
