/** Maps a domain onto pixels, linearly. */
export interface Scale {
  (value: number): number;
  domain: [number, number];
  range: [number, number];
}

export function linearScale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const span = d1 - d0 || 1;
  const scale = ((value: number) => range[0] + ((value - d0) / span) * (range[1] - range[0])) as Scale;
  scale.domain = domain;
  scale.range = range;
  return scale;
}

/**
 * Base-10 log scale for latencies, which span 1 ms to timeouts of seconds: a linear axis would
 * flatten everything but the timeouts. Values below `domain[0]` are clamped onto it.
 */
export function logScale(domain: [number, number], range: [number, number]): Scale {
  const lo = Math.log10(Math.max(domain[0], 1e-3));
  const hi = Math.log10(Math.max(domain[1], domain[0] * 10, 1e-2));
  const scale = ((value: number) => {
    const v = Math.log10(Math.max(value, 10 ** lo));
    return range[0] + ((v - lo) / (hi - lo || 1)) * (range[1] - range[0]);
  }) as Scale;
  scale.domain = [10 ** lo, 10 ** hi];
  scale.range = range;
  return scale;
}

/** Round tick values (1, 2 or 5 × 10^n apart) covering `[lo, hi]`, about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 8): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.round(t / step) * step);
  return ticks;
}

/** Decades covering `[lo, hi]` for a log axis: 1, 10, 100 …; with 2 and 5 between when the range is short. */
export function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  const steps = hi / lo <= 100 ? [1, 2, 5] : [1];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) for (const m of steps) ticks.push(m * 10 ** e);
  return ticks.filter((t) => t >= lo * 0.999 && t <= hi * 1.001);
}

/** Axis label for milliseconds: `0`, `250ms`, `1.5s`, `2m`. */
export function axisMs(ms: number): string {
  if (ms === 0) return "0";
  const abs = Math.abs(ms);
  if (abs < 1) return `${+ms.toFixed(2)}ms`;
  if (abs < 1000) return `${+ms.toFixed(0)}ms`;
  if (abs < 60_000) return `${+(ms / 1000).toFixed(2)}s`;
  return `${+(ms / 60_000).toFixed(1)}m`;
}
