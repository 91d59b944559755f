// The live probe's hover (its status bar item's tooltip) as Markdown: the top-k table, the entropy,
// and, while heads are switched off, that this is the ablated model's prediction. Pure, unit-tested.
import { visibleToken } from '../common/tokenText';
import { escapeMarkdown } from './markdown';
import { formatProb } from './surprisalLevels';

export interface ProbeTooltipInput {
  nTokens: number;
  cached: boolean;
  next: { token: string; prob: number }[];
  entropy: number;
  temperature: number;
  /** The heads that were off for this probe, e.g. "L1.H0, L2.H3"; '' when all were on. */
  headsOff: string;
}

export function probeTooltip(r: ProbeTooltipInput): string {
  let md = `**Attention Lens: next token** (after ${r.nTokens} tokens${r.cached ? ', reused cache' : ''})\n\n`;
  if (r.headsOff) md += `**With ${r.headsOff} switched off** (outputs zeroed): this is the ablated model's prediction. “Attention Lens: Switch All Heads On” turns them back on.\n\n`;
  md += '| token | probability |\n|:--|--:|\n';
  for (const n of r.next) md += `| ${escapeMarkdown(visibleToken(n.token))} | ${formatProb(n.prob)} |\n`;
  md += `\nEntropy ${r.entropy.toFixed(2)} nats (${(r.entropy / Math.LN2).toFixed(2)} bits), temperature ${r.temperature}`;
  return md;
}
