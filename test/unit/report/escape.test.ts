import { escapeHtml, escapeLogLine, num } from "../../../src/report/html/escape";

describe("escaping for the HTML report", () => {
  it("escapes the five characters that end text or attributes", () => {
    expect(escapeHtml(`<img src=x onerror="alert('1')"> & co`)).toBe("&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt; &amp; co");
  });

  it("escapes entities rather than leaving them to be decoded", () => {
    expect(escapeHtml("&lt;script&gt;")).toBe("&amp;lt;script&amp;gt;");
  });

  it("turns non-strings into text", () => {
    expect(escapeHtml(3)).toBe("3");
    expect(escapeHtml(null)).toBe("null");
  });

  it("strips ANSI colours and control characters from log lines, then escapes them", () => {
    expect(escapeLogLine("\x1b[31merror\x1b[0m: <b>\x07bell")).toBe("error: &lt;b&gt;\ufffdbell");
    expect(escapeLogLine("tab\tkept")).toBe("tab\tkept");
  });

  it("writes SVG numbers without NaN, Infinity or exponents", () => {
    expect(num(NaN)).toBe("0");
    expect(num(Infinity)).toBe("0");
    expect(num(1e-9)).toBe("0");
    expect(num(12.345)).toBe("12.3");
  });
});
