// Webview entry: builds the app, wires host messages, then tells the host it is ready.
import { App } from './app';
import { post } from './state';
import type { HostToWebview } from '../src/common/protocol';

const app = new App();
app.mount(document.getElementById('app') ?? document.body.appendChild(document.createElement('div')));

window.addEventListener('message', (event: MessageEvent) => {
  const m = event.data as HostToWebview | null;
  if (!m || typeof m !== 'object' || typeof (m as { type?: unknown }).type !== 'string') return;
  try {
    app.receive(m);
  } catch (e) {
    console.error('Attention Lens: could not handle', m.type, e);
  }
});

post({ type: 'ready' });
