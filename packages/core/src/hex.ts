const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Bytes as lower-case hex, two digits each. */
export const toHex = (bytes: ArrayBuffer | Uint8Array): string => {
  let hex = '';
  for (const byte of bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)) hex += HEX[byte];
  return hex;
};

/** `byteCount` random bytes as hex: ids and delimiters nobody can guess or meet by chance. */
export const randomHex = (byteCount: number): string => toHex(crypto.getRandomValues(new Uint8Array(byteCount)));
