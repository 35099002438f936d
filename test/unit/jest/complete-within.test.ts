import { matchers } from "../../../src/jest/matchers/register";
expect.extend(matchers);

describe("toCompleteWithin", () => {
  it("passes for a promise that settles, even by rejecting", async () => {
    await expect(new Promise((r) => setTimeout(r, 20))).toCompleteWithin("1s");
    await expect(Promise.reject(new Error("boom"))).toCompleteWithin("1s");
  });

  it("fails for a hang and says so", async () => {
    await expect(expect(new Promise(() => undefined)).toCompleteWithin("100ms")).rejects.toThrow(/still pending after .* \(a hang or a deadlock\)/);
  });

  it("is not stalled by the test's fake timers", async () => {
    jest.useFakeTimers();
    try {
      await expect(expect(new Promise(() => undefined)).toCompleteWithin("100ms")).rejects.toThrow(/still pending/);
    } finally {
      jest.useRealTimers();
    }
  });
});
