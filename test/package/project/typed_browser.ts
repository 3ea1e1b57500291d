// The same package seen by a bundler (TypeScript's "bundler" resolution, no `node` condition):
// handgrad/data offers the readers but not the Node file loaders.
import { parseIdx, type IdxArray } from 'handgrad/data';
// @ts-expect-error: loadDataset reads files, so only the `node` condition of handgrad/data has it
import { loadDataset } from 'handgrad/data';

const idx: IdxArray = parseIdx(new Uint8Array(0), 'empty.idx');

export { idx, loadDataset };
