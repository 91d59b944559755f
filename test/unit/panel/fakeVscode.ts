// The few parts of the vscode API the panel uses, recording what it does. Loaded in place of
// 'vscode' by attentionPanel.test.ts (the real module exists only inside VS Code).
/* eslint-disable @typescript-eslint/no-explicit-any */
type Listener<T> = (e: T) => void;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  event = (l: Listener<T>) => { this.listeners.push(l); return { dispose: () => { this.listeners = this.listeners.filter((x) => x !== l); } }; };
  fire(e: T): void { for (const l of [...this.listeners]) l(e); }
  dispose(): void { this.listeners = []; }
}

export class Uri {
  private constructor(readonly path: string) {}
  static file(p: string): Uri { return new Uri(p); }
  static joinPath(u: Uri, ...parts: string[]): Uri { return new Uri([u.path, ...parts].join('/')); }
  toString(): string { return `file://${this.path}`; }
}

export const ViewColumn = { Active: -1, Beside: -2, One: 1, Two: 2 } as const;

export class FakeWebviewPanel {
  readonly posted: any[] = [];
  visible = true;
  disposed = false;
  title: string;
  revealed: [unknown, unknown][] = [];
  private readonly receive = new EventEmitter<any>();
  private readonly disposeEmitter = new EventEmitter<void>();
  private readonly viewState = new EventEmitter<unknown>();
  private readonly postedEmitter = new EventEmitter<any>();
  readonly webview = {
    html: '',
    options: {} as any,
    cspSource: 'vscode-resource:',
    asWebviewUri: (u: Uri) => u,
    postMessage: async (m: any) => {
      if (this.visible) { this.posted.push(m); this.postedEmitter.fire(m); }
      return this.visible;
    },
    onDidReceiveMessage: this.receive.event,
  };
  onDidDispose = this.disposeEmitter.event;
  onDidChangeViewState = this.viewState.event;
  constructor(readonly viewType: string, title: string, readonly showOptions: any, readonly options: any) { this.title = title; }
  reveal(column?: unknown, preserveFocus?: unknown): void { this.revealed.push([column, preserveFocus]); }
  dispose(): void { if (!this.disposed) { this.disposed = true; this.disposeEmitter.fire(); } }
  /** Test helpers: a message from the webview; the panel hidden or shown. */
  fromWebview(m: any): void { this.receive.fire(m); }
  setVisible(v: boolean): void { this.visible = v; this.viewState.fire({ webviewPanel: this }); }
  /** The first message of `type` posted from now on (or already among `posted`, when `seen`). */
  nextPosted(type: string, seen = false): Promise<any> {
    const had = seen ? this.posted.find((m) => m.type === type) : undefined;
    if (had) return Promise.resolve(had);
    return new Promise((resolve) => {
      const sub = this.postedEmitter.event((m) => { if (m.type === type) { sub.dispose(); resolve(m); } });
    });
  }
}

export const recorded = {
  panels: [] as FakeWebviewPanel[],
  serializers: [] as { viewType: string; serializer: any }[],
  saveDialog: null as Uri | null,
  written: [] as { uri: Uri; bytes: Uint8Array }[],
  messages: [] as string[],
  /** Fires with every message shown (`info: …`, `error: …`). */
  shown: new EventEmitter<string>(),
};

/** The next message shown that matches `pattern`. */
export function nextMessage(pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const sub = recorded.shown.event((m) => { if (pattern.test(m)) { sub.dispose(); resolve(m); } });
  });
}

function show(m: string): void {
  recorded.messages.push(m);
  recorded.shown.fire(m);
}

export const window = {
  createWebviewPanel(viewType: string, title: string, showOptions: any, options: any) {
    const p = new FakeWebviewPanel(viewType, title, showOptions, options);
    recorded.panels.push(p);
    return p;
  },
  registerWebviewPanelSerializer(viewType: string, serializer: any) {
    recorded.serializers.push({ viewType, serializer });
    return { dispose() {} };
  },
  showSaveDialog: async () => recorded.saveDialog,
  showErrorMessage: async (m: string) => { show(`error: ${m}`); },
  showInformationMessage: async (m: string) => { show(`info: ${m}`); },
};

export const workspace = {
  workspaceFolders: [{ uri: Uri.file('/ws') }],
  fs: { writeFile: async (uri: Uri, bytes: Uint8Array) => { recorded.written.push({ uri, bytes }); } },
  asRelativePath: (u: Uri) => u.path,
  isTrusted: true,
  onDidGrantWorkspaceTrust: () => ({ dispose() {} }),
};
