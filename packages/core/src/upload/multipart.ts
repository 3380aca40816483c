/**
 * Finds the file field `field` of a multipart/form-data request and streams its
 * content as it arrives; undefined when the form has no such file. A broken or
 * truncated form must fail the stream with a VodkitError (400), never end it as if
 * the file were whole. The Node entry point provides one built on @fastify/busboy.
 */
export type MultipartFileReader = (request: Request, field: string) => Promise<ReadableStream<Uint8Array> | undefined>;
