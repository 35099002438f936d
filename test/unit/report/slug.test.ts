import { fileSlug, slugify, testSlug } from "../../../src/report/slug";

const SAFE = /^[a-z0-9][a-z0-9-]*$/;

describe("slugs for artifact folders", () => {
  it("keeps only lower-case letters, digits and single dashes", () => {
    expect(slugify("Partition: isolate the LEADER (n1) -> n2/n3")).toBe("partition-isolate-the-leader-n1-n2-n3");
    expect(slugify("crème brûlée ✓")).toBe("creme-brulee");
  });

  it("never yields an empty, dot or traversal name", () => {
    for (const text of ["", "..", "/", "../../etc/passwd", "✓✓✓", "\u0000"]) {
      expect(slugify(text)).toMatch(SAFE);
      expect(testSlug(text)).toMatch(SAFE);
    }
  });

  it("caps the readable part so paths stay short", () => {
    expect(testSlug("x".repeat(500)).length).toBeLessThanOrEqual(48 + 9);
  });

  it("tells apart names that slugify alike", () => {
    expect(testSlug("a/b")).not.toBe(testSlug("a b"));
    expect(testSlug("Recovers")).not.toBe(testSlug("recovers"));
    expect(fileSlug("/repo/a/etcd.test.ts")).not.toBe(fileSlug("/repo/b/etcd.test.ts"));
  });

  it("is stable, so a rerun overwrites the same folder", () => {
    expect(testSlug("heals the partition")).toBe(testSlug("heals the partition"));
    expect(fileSlug("/repo/test/etcd.test.ts")).toMatch(/^test-etcd-test-ts-[0-9a-f]{8}$/);
  });

  it("numbers repeated tests of one name (duplicates, retries)", () => {
    expect(testSlug("flaky", 2)).toBe(`${testSlug("flaky")}-2`);
  });
});
