import { monoNowMs } from "../common/timers";

/**
 * Provisioning progress for the terminal: silent for the first second (most clusters are up by
 * then), then one whole line per event on stderr — whole lines never garble Jest's own output,
 * which Jest's reporter redraws around them.
 */
export class ProgressLine {
  private readonly started = monoNowMs();
  private readonly pending: string[] = [];
  private shown = false;

  constructor(private readonly enabled: boolean) {}

  say(message: string): void {
    if (!this.enabled) return;
    if (monoNowMs() - this.started < 1000) {
      this.pending.push(message);
      return;
    }
    if (!this.shown) {
      this.shown = true;
      for (const line of this.pending.splice(0)) this.write(line);
    }
    this.write(message);
  }

  done(): void {
    this.pending.length = 0;
  }

  private write(message: string): void {
    process.stderr.write(`faultline: ${message}\n`);
  }
}
