// Theme variables as VS Code injects them into a webview (a subset: what the panel reads).
export type ThemeName = 'dark' | 'light' | 'high-contrast';

export const THEMES: Record<ThemeName, { bodyClass: string; vars: Record<string, string> }> = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-editor-background': '#1e1e1e', '--vscode-editor-foreground': '#d4d4d4', '--vscode-foreground': '#cccccc',
      '--vscode-charts-blue': '#3794ff', '--vscode-focusBorder': '#007fd4', '--vscode-descriptionForeground': '#a0a0a0',
      '--vscode-font-family': 'sans-serif', '--vscode-font-size': '13px', '--vscode-editor-font-family': 'monospace',
      '--vscode-editorHoverWidget-background': '#252526', '--vscode-errorForeground': '#f48771',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-editor-background': '#ffffff', '--vscode-editor-foreground': '#000000', '--vscode-foreground': '#616161',
      '--vscode-charts-blue': '#1a85ff', '--vscode-focusBorder': '#0090f1', '--vscode-descriptionForeground': '#717171',
      '--vscode-font-family': 'sans-serif', '--vscode-font-size': '13px', '--vscode-editor-font-family': 'monospace',
      '--vscode-editorHoverWidget-background': '#f3f3f3', '--vscode-errorForeground': '#a1260d',
    },
  },
  'high-contrast': {
    bodyClass: 'vscode-high-contrast',
    vars: {
      '--vscode-editor-background': '#000000', '--vscode-editor-foreground': '#ffffff', '--vscode-foreground': '#ffffff',
      '--vscode-charts-blue': '#3794ff', '--vscode-focusBorder': '#f38518', '--vscode-contrastBorder': '#6fc3df',
      '--vscode-contrastActiveBorder': '#f38518', '--vscode-descriptionForeground': '#ffffff',
      '--vscode-font-family': 'sans-serif', '--vscode-font-size': '13px', '--vscode-editor-font-family': 'monospace',
      '--vscode-editorHoverWidget-background': '#0c141f', '--vscode-errorForeground': '#f48771',
    },
  },
};
