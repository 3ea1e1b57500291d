// A tiny page of a user who installed handgrad, bundled by Vite: ManualSoftmax on webgl, and
// handgrad/native's browser stub (no addon in a bundle). The result lands in window.result.
import * as tf from '@tensorflow/tfjs';
import { ManualSoftmax, manualSoftmax, registerCustomOps } from 'handgrad';
import { registerNativeBackend } from 'handgrad/native';

async function run() {
  registerCustomOps();
  tf.env().set('WEBGL_FORCE_F16_TEXTURES', false);
  if (!(await tf.setBackend('webgl'))) throw new Error('no webgl backend');
  await tf.ready();
  const logits = [[1, 2, 3, 4], [-1000, 0, 1000, 0], [0.5, 0.5, 0.5, 0.5]];
  const p = manualSoftmax(tf.tensor2d(logits));
  const values = Array.from(await p.data());
  let nativeError = '';
  try {
    registerNativeBackend();
  } catch (error) {
    nativeError = error instanceof Error ? error.message : String(error);
  }
  return { backend: tf.getBackend(), kernelOnWebgl: tf.getKernel(ManualSoftmax, 'webgl') !== undefined, logits, values, nativeError };
}

run().then(
  (result) => {
    window.result = result;
    document.getElementById('status').textContent = 'done';
  },
  (error) => {
    window.result = { error: String(error instanceof Error ? error.message : error) };
  },
);
