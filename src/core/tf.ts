/**
 * TensorFlow.js set-up, the one place kad imports `@tensorflow/tfjs-core` and picks a backend.
 *
 * Importing this module registers the pure-JavaScript `cpu` backend, which initialises synchronously,
 * so a detector built by the (synchronous) registry can train at once with no set-up. The `wasm`
 * backend (XNNPACK, SIMD) trains the LSTM autoencoder 4–8× faster but initialises asynchronously:
 * callers that want it `await useWasmBackend()` once at start, before any model trains. tfjs-node is
 * not used (no native build).
 *
 * tfjs keeps one engine per process (its backends, tensors and flags are global): this module sets
 * production mode on import (fewer debug checks and no "install tfjs-node" banner on stderr), and
 * models must dispose what they allocate (`tf.tidy`, `dispose()`), as `detectors/lstm-ae.ts` does.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers registers the gradients of the core ops on import (its Node bundle carries them; tfjs-core's
// does not), which training with tf.train optimisers needs even without layers (classifiers/neural.ts).
import '@tensorflow/tfjs-layers';

tf.enableProdMode();

export { tf };

/**
 * Switches tfjs to the `wasm` backend, locating its `.wasm` binaries inside the installed
 * `@tensorflow/tfjs-backend-wasm` package. Await it once at start, before any model trains; models
 * trained meanwhile use the `cpu` backend. Resolves to true when `wasm` is active, false when it could
 * not start (then `cpu` stays active and the reason is in `onError`).
 */
export async function useWasmBackend(onError?: (e: unknown) => void): Promise<boolean> {
  if (tf.getBackend() === 'wasm') return true;
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const file = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
    wasm.setWasmPaths(path.dirname(file) + path.sep);
    if (await tf.setBackend('wasm')) return true;
  } catch (e) {
    onError?.(e);
  }
  await tf.setBackend('cpu');
  return false;
}

/** Switches tfjs back to the synchronous `cpu` backend (the default). */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
}
