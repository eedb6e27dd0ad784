// ort-time.js - time ONNX Runtime's forward pass of one ONNX model, the way
// `layerlab-cli bench` times ours: one warm-up run, then `repeat` timed runs.
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Usage: node ort-time.js MODEL.onnx BATCH THREADS REPEAT
// Prints one JSON object: {"median_ms": ..., "times_ms": [...]}.
// The input is uniform [0, 1) noise of the model's input shape with the batch given;
// ORT runs with all graph optimisations and `THREADS` intra-op threads (inter-op 1,
// sequential execution), as an application embedding it for CPU inference would.
// NODE_PATH (or a node_modules beside this file) must reach onnxruntime-node.

'use strict';

const ort = require('onnxruntime-node');

async function main () {
  const [model, batchText, threadsText, repeatText] = process.argv.slice(2);
  if (repeatText === undefined) {
    console.error('usage: node ort-time.js MODEL.onnx BATCH THREADS REPEAT');
    process.exit(2);
  }
  const batch = Number(batchText);
  const threads = Number(threadsText);
  const repeat = Number(repeatText);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const name = session.inputNames[0];
  const meta = session.inputMetadata ? session.inputMetadata[0] : null;
  let dims = JSON.parse(process.env.ORT_TIME_SHAPE || 'null');
  if (dims === null) {
    if (meta === null || !Array.isArray(meta.shape)) {
      throw new Error('the input shape is not in the model; set ORT_TIME_SHAPE');
    }
    dims = meta.shape.map((d) => (typeof d === 'number' ? d : batch));
  }
  dims[0] = batch;
  const size = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = Math.random();
  const feeds = { [name]: new ort.Tensor('float32', data, dims) };

  await session.run(feeds);
  const times = [];
  for (let i = 0; i < repeat; i++) {
    const start = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  console.log(JSON.stringify({ median_ms: median, times_ms: times }));
}

main().catch((e) => {
  console.error(`ort-time.js: ${e.message}`);
  process.exit(1);
});
