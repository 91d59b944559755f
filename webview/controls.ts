// The panel's controls: webview UI toolkit dropdowns, checkbox and buttons (only these four
// components are registered). Every control has a visible label and an accessible name.
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDropdown, vsCodeOption } from '@vscode/webview-ui-toolkit';
import { el, clear } from './dom';
import { VIEW_TITLES, type ViewName, type ViewState } from './state';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption());

type Dropdown = HTMLElement & { value: string };
type Checkbox = HTMLElement & { checked: boolean };

export interface ControlEvents {
  onChange(patch: Partial<ViewState>): void;
  onExport(format: 'png' | 'json' | 'csv'): void;
}

function dropdown(id: string, label: string, onChange: (value: string) => void): { wrap: HTMLElement; control: Dropdown } {
  const wrap = el('div', { class: 'control' });
  const control = el('vscode-dropdown', { id, 'aria-label': label }) as Dropdown;
  wrap.append(el('label', { for: id, class: 'control-label' }, label), control);
  control.addEventListener('change', () => onChange(control.value));
  return { wrap, control };
}

/** Replaces a dropdown's options and selects `value`. */
function setOptions(control: Dropdown, options: [string, string][], value: string): void {
  clear(control);
  for (const [v, text] of options) control.append(el('vscode-option', { value: v, selected: v === value }, text));
  control.value = value;
}

export class Controls {
  readonly root = el('div', { class: 'toolbar', role: 'group', 'aria-label': 'Attention Lens controls' });
  private readonly view: Dropdown;
  private readonly layer: Dropdown;
  private readonly head: Dropdown;
  private readonly weights: Dropdown;
  private readonly scale: Dropdown;
  private readonly log: Checkbox;
  private readonly png: HTMLElement;
  private readonly csv: HTMLElement;
  private readonly json: HTMLElement;

  constructor(events: ControlEvents) {
    const view = dropdown('ctl-view', 'View', (v) => events.onChange({ view: v as ViewName }));
    const layer = dropdown('ctl-layer', 'Layer', (v) => events.onChange({ layer: Number(v) }));
    const head = dropdown('ctl-head', 'Head', (v) => events.onChange({ head: v === 'mean' || v === 'rollout' ? v : Number(v) }));
    const weights = dropdown('ctl-weights', 'Weights', (v) => events.onChange({ dropSink: v === 'dropSink', valueWeighted: v === 'valueWeighted' }));
    const scale = dropdown('ctl-scale', 'Colours', (v) => events.onChange({ scale: v === 'colorblind' ? 'colorblind' : 'theme' }));
    this.view = view.control; this.layer = layer.control; this.head = head.control;
    this.weights = weights.control; this.scale = scale.control;
    setOptions(this.view, Object.entries(VIEW_TITLES) as [string, string][], 'heatmap');
    setOptions(this.weights, [['raw', 'Raw'], ['dropSink', 'Drop first-token sink'], ['valueWeighted', 'Value-weighted ‖α·v·W_O‖']], 'raw');
    setOptions(this.scale, [['theme', 'Theme'], ['colorblind', 'Colour-blind safe']], 'theme');
    this.log = el('vscode-checkbox', { id: 'ctl-log' }, 'Log scale') as Checkbox;
    this.log.addEventListener('change', () => events.onChange({ log: this.log.checked }));
    const button = (id: string, text: string, label: string, format: 'png' | 'json' | 'csv') => {
      const b = el('vscode-button', { id, appearance: 'secondary', 'aria-label': label, title: label }, text);
      b.addEventListener('click', () => events.onExport(format));
      return b;
    };
    this.png = button('ctl-png', 'PNG', 'Export the current view as a PNG image', 'png');
    this.json = button('ctl-json', 'JSON', 'Export the whole analysis as JSON', 'json');
    this.csv = button('ctl-csv', 'CSV', 'Export the current head as CSV', 'csv');
    const exports = el('div', { class: 'control exports', role: 'group', 'aria-label': 'Export' });
    exports.append(el('span', { class: 'control-label' }, 'Export'), this.png, this.json, this.csv);
    this.root.append(view.wrap, layer.wrap, head.wrap, weights.wrap, scale.wrap, el('div', { class: 'control control-check' }), exports);
    this.root.querySelector('.control-check')!.append(this.log);
  }

  /** Brings every control in line with the state (and the model's shape, when known). */
  update(s: ViewState, shape: { nLayers: number; nHeads: number } | null): void {
    setIfChanged(this.view, s.view);
    if (shape) {
      const layers = Array.from({ length: shape.nLayers }, (_, l) => [String(l), `L${l}`] as [string, string]);
      const heads = Array.from({ length: shape.nHeads }, (_, h) => [String(h), `H${h}`] as [string, string]);
      heads.push(['mean', 'Mean of heads'], ['rollout', 'Rollout (all layers)']);
      if (this.layer.childElementCount !== layers.length) setOptions(this.layer, layers, String(s.layer));
      if (this.head.childElementCount !== heads.length) setOptions(this.head, heads, String(s.head));
    }
    setIfChanged(this.layer, String(s.layer));
    setIfChanged(this.head, String(s.head));
    setIfChanged(this.weights, s.dropSink ? 'dropSink' : s.valueWeighted ? 'valueWeighted' : 'raw');
    setIfChanged(this.scale, s.scale);
    if (this.log.checked !== s.log) this.log.checked = s.log;
    const pngOk = s.view === 'heatmap' || s.view === 'overview' || s.view === 'headView';
    toggleDisabled(this.png, !pngOk || !shape);
    toggleDisabled(this.json, !shape);
    toggleDisabled(this.csv, !shape);
    this.png.title = pngOk ? 'Export the current view as a PNG image' : 'PNG export covers the heatmap, overview and head view';
  }
}

function setIfChanged(control: Dropdown, value: string): void {
  if (control.value !== value) control.value = value;
}

function toggleDisabled(node: HTMLElement, disabled: boolean): void {
  if (disabled) node.setAttribute('disabled', ''); else node.removeAttribute('disabled');
}
