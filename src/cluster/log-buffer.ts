import { createWriteStream, type WriteStream } from "node:fs";

/**
 * A node's output: every line goes to its log file and the most recent ones stay in memory for
 * error messages and log probes.
 */
export class LogBuffer {
  private readonly lines: string[] = [];
  private partial = "";
  private readonly stream: WriteStream;
  private readonly listeners = new Set<(line: string) => void>();
  /** Index (in lines ever seen) of the first line of the current process start. */
  private startMark = 0;
  private seen = 0;

  constructor(
    readonly file: string,
    private readonly capacity = 2000,
  ) {
    this.stream = createWriteStream(file, { flags: "a" });
    this.stream.on("error", () => undefined);
  }

  write(chunk: Buffer): void {
    this.stream.write(chunk);
    const text = this.partial + chunk.toString("utf8");
    const parts = text.split("\n");
    this.partial = parts.pop() ?? "";
    for (const line of parts) this.push(line);
  }

  /** Writes a marker line (not part of the node's output) and starts a new "since start" window. */
  mark(text: string): void {
    this.flushPartial();
    this.stream.write(`--- faultline: ${text} ---\n`);
    this.startMark = this.seen;
  }

  tail(count: number): string[] {
    this.flushPartial();
    return count >= this.lines.length ? [...this.lines] : this.lines.slice(this.lines.length - count);
  }

  /** Lines printed since the last `mark` that are still in memory. */
  sinceStart(): string[] {
    const kept = this.seen - this.lines.length;
    return this.lines.slice(Math.max(0, this.startMark - kept));
  }

  onLine(listener: (line: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A partial last line is kept until its newline comes, unless someone asks for the tail. */
  private flushPartial(): void {
    if (this.partial) {
      const line = this.partial;
      this.partial = "";
      this.push(line);
    }
  }

  private push(line: string): void {
    this.lines.push(line);
    this.seen++;
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
    for (const listener of this.listeners) listener(line);
  }

  close(): Promise<void> {
    this.flushPartial();
    return new Promise((resolve) => this.stream.end(resolve));
  }
}
