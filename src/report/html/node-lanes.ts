import { describeEvent, type NodeEventKind, type TimelineEvent } from "../../cluster/timeline";
import { formatMs } from "../../common/duration";
import { escapeHtml, num } from "./escape";
import type { LaneGeometry } from "./fault-bands";
import { laneIntervals, nodeEvents, type LaneInterval } from "./node-intervals";
import type { TimeFrame } from "./time-frame";

export const LANE_HEIGHT = 26;

const STATE_FILL: Record<LaneInterval["state"], (id: string) => string> = {
  down: () => `fill="#343a40" fill-opacity="0.55"`,
  paused: (id) => `fill="url(#${id}-paused)"`,
  starting: () => `fill="#fab005" fill-opacity="0.22"`,
  stopping: () => `fill="#fd7e14" fill-opacity="0.22"`,
};

/** Lane backgrounds and names: drawn first, so bands and markers sit on top. */
export function renderLaneBackgrounds(nodes: readonly string[], lanes: LaneGeometry, frame: TimeFrame): string {
  return nodes
    .map((node, i) => {
      const lane = lanes.get(node)!;
      return `<g class="node-lane" data-node="${escapeHtml(node)}"><rect class="lane-bg${i % 2 ? " odd" : ""}" x="${num(frame.left)}" y="${num(lane.y)}" width="${num(frame.right - frame.left)}" height="${lane.height}"/><text class="lane-label" x="${num(frame.left - 8)}" y="${num(lane.y + lane.height / 2 + 4)}" text-anchor="end">${escapeHtml(node)}</text></g>`;
    })
    .join("");
}

/** Shading for the time each node was down, paused, starting or stopping. */
export function renderLaneStates(
  nodes: readonly string[],
  carried: readonly TimelineEvent[],
  events: readonly TimelineEvent[],
  lanes: LaneGeometry,
  frame: TimeFrame,
  id: string,
): string {
  const [from, to] = frame.x.domain;
  return laneIntervals(nodes, carried, events, from, to)
    .map((interval) => {
      const lane = lanes.get(interval.node);
      if (!lane) return "";
      const x0 = frame.x(interval.from);
      const width = Math.max(1, frame.x(interval.to) - x0);
      const inset = interval.state === "down" || interval.state === "paused" ? 3 : 6;
      const title = `${interval.node} ${interval.state} for ${formatMs(interval.to - interval.from)}`;
      return `<rect class="lane-state state-${interval.state}" data-node="${escapeHtml(interval.node)}" x="${num(x0)}" y="${num(lane.y + inset)}" width="${num(width)}" height="${num(lane.height - 2 * inset)}" ${STATE_FILL[interval.state](id)}><title>${escapeHtml(title)}</title></rect>`;
    })
    .join("");
}

/** Glyph per node event, centred on (0, 0). */
export function nodeGlyph(event: NodeEventKind): string {
  switch (event) {
    case "spawned":
      return `<circle r="4" fill="#fff" stroke="#495057" stroke-width="1.5"/>`;
    case "ready":
      return `<circle r="4.5" fill="#2f9e44" stroke="#fff" stroke-width="1"/>`;
    case "exited":
      return `<path d="M-4.5,-4.5L4.5,4.5M4.5,-4.5L-4.5,4.5" stroke="#c92a2a" stroke-width="2.6" stroke-linecap="round"/>`;
    case "stopping":
      return `<path d="M-4.5,-3.5L4.5,-3.5L0,4.5Z" fill="#fd7e14"/>`;
    case "stopped":
      return `<rect x="-4" y="-4" width="8" height="8" fill="#343a40"/>`;
    case "signalled":
      return `<path d="M1.5,-6L-3,1L0,1L-1.5,6L3,-1L0,-1Z" fill="#e03131" stroke="#fff" stroke-width="0.6"/>`;
    case "paused":
      return `<rect x="-4" y="-5" width="3" height="10" fill="#1c7ed6"/><rect x="1" y="-5" width="3" height="10" fill="#1c7ed6"/>`;
    case "resumed":
      return `<path d="M-3.5,-5L4.5,0L-3.5,5Z" fill="#1c7ed6"/>`;
    default: // an event kind newer than this report
      return `<circle r="3" fill="#868e96"/>`;
  }
}

/** One marker per node event, titled with the event as the timeline describes it. */
export function renderNodeMarkers(events: readonly TimelineEvent[], lanes: LaneGeometry, frame: TimeFrame): string {
  return nodeEvents(events)
    .map((e) => {
      const lane = lanes.get(e.node);
      if (!lane) return "";
      const title = `+${formatMs(Math.max(0, e.at - frame.zero))}  ${describeEvent(e)}`;
      return `<g class="node-event" data-node="${escapeHtml(e.node)}" data-event="${escapeHtml(e.event)}" transform="translate(${num(frame.x(e.at))},${num(lane.y + lane.height / 2)})"><title>${escapeHtml(title)}</title>${nodeGlyph(e.event)}</g>`;
    })
    .join("");
}
