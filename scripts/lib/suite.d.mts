// Types for suite.mjs.
export const suiteEntry: string;
export function buildSuite(): Promise<string>;
