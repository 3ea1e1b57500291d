/** handgrad/native's browser stub (the package's non-`node` condition) mirrors the Node module's names. */
import { describe, expect, it } from 'vitest';
import * as stub from '../../native/browser.js';
import * as native from '../../native/index.js';

describe('handgrad/native in a browser bundle', () => {
  it('exports the same names as the Node module, with the same backend name', () => {
    expect(Object.keys(stub).sort()).toEqual(Object.keys(native).sort());
    expect(stub.NATIVE_BACKEND_NAME).toBe(native.NATIVE_BACKEND_NAME);
  });

  it('throws one line naming the problem when called', () => {
    expect(() => stub.registerNativeBackend()).toThrow(/^handgrad\/native: the native backend is a Node-API addon and runs only in Node/);
    expect(() => stub.nativeInfo()).toThrow(/runs only in Node/);
  });
});
