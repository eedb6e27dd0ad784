// ort-run.js - run one ONNX model with ONNX Runtime on inputs given as raw files
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Usage: node ort-run.js SPEC.json
// SPEC: {"model": PATH, "threads": N, "outdir": DIR,
//        "inputs": [{"name": ..., "dtype": "float32"|"int64"|"int32"|"bool",
//                    "dims": [...], "file": RAW}]}
// Each output is written raw (little-endian, C order) to DIR/<index>.bin; stdout gets
// one JSON list of {"name", "dtype", "dims", "file"}. ORT runs with every graph
// optimisation on. tests/reference/ortref.py drives it; NODE_PATH must reach
// onnxruntime-node.

'use strict';

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

const arrays = {
  float32: Float32Array,
  int64: BigInt64Array,
  int32: Int32Array,
  bool: Uint8Array,
};

async function main () {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const session = await ort.InferenceSession.create(spec.model, {
    intraOpNumThreads: spec.threads || 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = {};
  for (const input of spec.inputs) {
    const bytes = fs.readFileSync(input.file);
    const Type = arrays[input.dtype];
    const data = new Type(bytes.buffer, bytes.byteOffset, bytes.byteLength / Type.BYTES_PER_ELEMENT);
    feeds[input.name] = new ort.Tensor(input.dtype, data, input.dims);
  }
  const results = await session.run(feeds);
  const out = [];
  session.outputNames.forEach((name, i) => {
    const t = results[name];
    const file = path.join(spec.outdir, `${i}.bin`);
    fs.writeFileSync(file, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    out.push({ name, dtype: t.type, dims: t.dims, file });
  });
  console.log(JSON.stringify(out));
}

main().catch((e) => {
  console.error(e && e.message ? e.message : String(e));
  process.exit(1);
});
