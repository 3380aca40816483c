/** Pushes every chunk of `stream` into `into`, rejecting with the stream's error. */
export const drain = async (stream: ReadableStream<Uint8Array>, into: Uint8Array[] = []) => {
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return into;
    into.push(value);
  }
};

/** The whole content of a stream as one Buffer. */
export const readBytes = async (stream: ReadableStream<Uint8Array>) => Buffer.concat(await drain(stream));
