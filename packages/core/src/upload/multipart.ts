/**
 * Finds the file field `field` of a multipart/form-data request and streams its
 * content as it arrives; undefined when the form has no such file. The Node entry
 * point provides one built on @fastify/busboy.
 */
export type MultipartFileReader = (request: Request, field: string) => Promise<ReadableStream<Uint8Array> | undefined>;
