// The panel's HTML shell with a strict Content-Security-Policy. Pure (no vscode import) so the
// webview tests load exactly the page the panel serves.

export interface PanelHtmlOptions {
  /** webview.cspSource: the origin local resources are served from. */
  cspSource: string;
  /** Fresh per render (see newNonce). */
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

/** 128 random bits as hex, from the Web Crypto API (present in Node ≥ 18 and browsers). */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function panelHtml(o: PanelHtmlOptions): string {
  // No inline styles or scripts except the nonce'd bundle; images only as data:/blob: (canvas export).
  const csp = [
    "default-src 'none'",
    `img-src ${o.cspSource} data: blob:`,
    // The toolkit probes :focus-visible support with a <style> element carrying the csp-nonce meta's nonce.
    `style-src ${o.cspSource} 'nonce-${o.nonce}'`,
    `font-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta property="csp-nonce" content="${attr(o.nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>Attention Lens</title>
</head>
<body>
<div id="app" aria-live="polite"><p class="status">Starting…</p></div>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>`;
}
