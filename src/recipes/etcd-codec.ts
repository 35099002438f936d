/** etcd's JSON gateway carries keys and values as base64 and 64-bit numbers as strings. */
export const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");
export const unb64 = (text: unknown): string => (typeof text === "string" ? Buffer.from(text, "base64").toString("utf8") : "");
export const num = (value: unknown): number => (value === undefined || value === null ? 0 : Number(value));

/** Base64 of the smallest key after every key that starts with `prefix` (etcd's range_end for prefixes). */
export function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, "utf8");
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) return Buffer.concat([bytes.subarray(0, i), Buffer.from([bytes[i]! + 1])]).toString("base64");
  }
  return Buffer.from([0]).toString("base64"); // every key from `prefix` on
}
