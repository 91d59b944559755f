// Types for codeServer.mjs, so the TypeScript e2e harness can import it.
import type { ChildProcess } from 'node:child_process';

export const repoRoot: string;
export function extensionFolderName(): string;
export function extensionId(): string;
export function layoutExtension(extensionsDir: string): string;
export function writeUserSettings(userDataDir: string, extra?: Record<string, unknown>): string;
export function freePort(): Promise<number>;
export function codeServerCli(args: string[], dirs: { extensionsDir: string; userDataDir: string }): Promise<string>;

export interface CodeServerOptions {
  folder: string;
  extensionsDir: string;
  userDataDir: string;
  port?: number;
  logFile?: string;
  timeoutMs?: number;
  /** Extra environment variables (the extension host inherits them). */
  env?: Record<string, string>;
}
export interface RunningCodeServer {
  url: string;
  port: number;
  folder: string;
  process: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}
export function startCodeServer(opts: CodeServerOptions): Promise<RunningCodeServer>;
