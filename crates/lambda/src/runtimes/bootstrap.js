// apigw-local's Node.js runtime: loads the function's handler ("file.export", from
// LAMBDA_TASK_ROOT; CommonJS, or an ES module for .mjs) and serves invocations through the
// Lambda Runtime API. Async handlers, promises and callbacks are all accepted, as on AWS.
"use strict";
const http = require("http");
const path = require("path");
const fs = require("fs");
const url = require("url");

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const BASE = "/2018-06-01/runtime";

function call(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const req = http.request(
      { host, port, method, path: BASE + p, headers: Object.assign({ "Content-Type": "application/json" }, headers || {}, data ? { "Content-Length": data.length } : {}) },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString() }));
      }
    );
    req.on("error", reject);
    if (data) req.write(data);
    req.end();
  });
}

function errorOf(e, type) {
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    errorType: type || err.name || "Error",
    errorMessage: err.message,
    trace: (err.stack || "").split("\n"),
  };
}

async function loadHandler() {
  const spec = process.env._HANDLER || "";
  const dot = spec.lastIndexOf(".");
  if (dot < 1) throw Object.assign(new Error(`Bad handler ${spec}`), { lambdaType: "Runtime.MalformedHandlerName" });
  const file = spec.slice(0, dot);
  const name = spec.slice(dot + 1);
  const root = process.env.LAMBDA_TASK_ROOT || ".";
  let mod;
  try {
    const mjs = path.join(root, file + ".mjs");
    mod = fs.existsSync(mjs) ? await import(url.pathToFileURL(mjs).href) : require(path.join(root, file));
  } catch (e) {
    const missing = e && e.code === "MODULE_NOT_FOUND";
    throw Object.assign(new Error(missing ? `Error: Cannot find module '${file}'` : String(e && e.stack || e)), {
      lambdaType: missing ? "Runtime.ImportModuleError" : "Runtime.UserCodeSyntaxError",
    });
  }
  const handler = mod[name] || (mod.default && mod.default[name]);
  if (typeof handler !== "function") {
    throw Object.assign(new Error(`${file}.${name} is undefined or not exported`), { lambdaType: "Runtime.HandlerNotFound" });
  }
  return handler;
}

function run(handler, event, context) {
  return new Promise((resolve, reject) => {
    let done = false;
    const callback = (err, result) => {
      if (done) return;
      done = true;
      err ? reject(err) : resolve(result);
    };
    try {
      const r = handler(event, context, callback);
      if (r && typeof r.then === "function") r.then((v) => callback(null, v), (e) => callback(e));
    } catch (e) {
      callback(e);
    }
  });
}

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (e) {
    console.error(`[ERROR] ${e.lambdaType}: ${e.message}`);
    await call("POST", "/init/error", JSON.stringify(errorOf(e, e.lambdaType)), { "Lambda-Runtime-Function-Error-Type": e.lambdaType });
    process.exit(1);
  }
  for (;;) {
    const next = await call("GET", "/invocation/next");
    const id = next.headers["lambda-runtime-aws-request-id"];
    const deadline = Number(next.headers["lambda-runtime-deadline-ms"] || 0);
    const context = {
      awsRequestId: id,
      invokedFunctionArn: next.headers["lambda-runtime-invoked-function-arn"],
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    try {
      const result = await run(handler, JSON.parse(next.body || "null"), context);
      // Serialised before the end mark: a result that cannot be is an error, logged first.
      const body = JSON.stringify(result === undefined ? null : result);
      await endOutput(id);
      await call("POST", `/invocation/${id}/response`, body);
    } catch (e) {
      const err = errorOf(e);
      console.error(`[ERROR] ${err.errorType}: ${err.errorMessage}`);
      await endOutput(id);
      await call("POST", `/invocation/${id}/error`, JSON.stringify(err), { "Lambda-Runtime-Function-Error-Type": err.errorType });
    }
  }
}

// After the invocation's output, before its answer: once the service has read this mark on
// both pipes, the answer's LogType Tail holds every line (crates/lambda/src/logs.rs). Node.js
// queues what a full pipe cannot take, so each write is awaited until it is flushed; a stream
// the handler ended is skipped, and nothing here keeps the answer from being sent.
function endOutput(id) {
  const mark = `\x01apigw-end ${id}\n`;
  const flushed = (stream) => new Promise((resolve) => {
    if (stream.writableEnded || stream.destroyed) return resolve();
    try { stream.write(mark, () => resolve()); } catch (e) { resolve(); }
  });
  return Promise.all([flushed(process.stdout), flushed(process.stderr)]);
}
// A pipe the service stopped reading must not crash the runtime.
process.stdout.on("error", () => {});
process.stderr.on("error", () => {});

main();
