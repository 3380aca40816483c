const encoder = new TextEncoder();

/** Every JSON response vodkit sends: the one content type and an exact length. */
export const jsonResponse = (status: number, body: unknown, headers?: HeadersInit): Response => {
  if (body === undefined) return new Response(null, { status, headers });
  const bytes = encoder.encode(JSON.stringify(body));
  const all = new Headers(headers);
  all.set('content-type', 'application/json; charset=utf-8');
  all.set('content-length', String(bytes.byteLength));
  return new Response(bytes, { status, headers: all });
};
