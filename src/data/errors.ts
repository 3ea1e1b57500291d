/** A problem with an input file or value; `message` is one line that names the input. */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}
