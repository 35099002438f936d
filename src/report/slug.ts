import { createHash } from "node:crypto";
import { basename, dirname } from "node:path";

const MAX_READABLE = 48;

/**
 * A filesystem-safe, readable rendering of `text`: ASCII letters, digits and single dashes,
 * lower case, at most 48 characters. Not unique on its own: see {@link uniqueSlug}.
 */
export function slugify(text: string): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, MAX_READABLE)
    .replace(/-+$/, "");
  return slug || "x";
}

/** Short stable hash, so two texts that slugify alike ("a/b", "a b") still get distinct folders. */
export function shortHash(text: string): string {
  return createHash("sha1").update(text).digest("hex").slice(0, 8);
}

/** `slugify(readable)-hash(identity)`: readable, filesystem-safe, unique per identity. */
export function uniqueSlug(readable: string, identity: string = readable): string {
  return `${slugify(readable)}-${shortHash(identity)}`;
}

/**
 * Folder name for a test file: its parent folder and name (`clusters-etcd-test-ts-…`), made
 * unique by a hash of the full path.
 */
export function fileSlug(testPath: string): string {
  const parent = basename(dirname(testPath));
  return uniqueSlug(parent ? `${parent}/${basename(testPath)}` : basename(testPath), testPath);
}

/**
 * Folder name for a test: its name, made unique by a hash of it; the `occurrence`-th test of
 * the same name in one file (duplicate names, `jest.retryTimes`) gets a `-2`, `-3`… suffix.
 */
export function testSlug(testName: string, occurrence = 1): string {
  const slug = uniqueSlug(testName);
  return occurrence > 1 ? `${slug}-${occurrence}` : slug;
}
