/** Why a body of a declared length is not that long: `got` bytes came of `declared`. */
export function lengthError(got: number, declared: number): Error {
  return new Error(
    got > declared
      ? `the body is longer than its Content-Length of ${declared} bytes`
      : `the body ended after ${got} of its ${declared} bytes`,
  );
}
