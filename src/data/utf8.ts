/** Strict UTF-8 decoding of user files: bad bytes are an error pointing at their line, never U+FFFD. */

/** The text of `bytes`, or the 1-based line of the first invalid UTF-8 sequence. */
export function decodeUtf8Lines(bytes: Uint8Array): { text: string } | { badLine: number } {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    return { text: decoder.decode(bytes) };
  } catch {
    // Decode line by line to point at the first bad one (a newline byte never occurs inside a
    // multi-byte sequence, so lines decode independently).
    let start = 0;
    for (let line = 1; ; line++) {
      const nl = bytes.indexOf(0x0a, start);
      const end = nl < 0 ? bytes.length : nl;
      try {
        decoder.decode(bytes.subarray(start, end));
      } catch {
        return { badLine: line };
      }
      if (nl < 0) return { badLine: line };
      start = nl + 1;
    }
  }
}
