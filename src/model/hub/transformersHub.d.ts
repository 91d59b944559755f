// Types for transformers.js's own Hub file fetching, which its package root does not export.
declare module '@xenova/transformers/src/utils/hub.js' {
  export interface HubFileProgress {
    status: 'initiate' | 'download' | 'progress' | 'done';
    name: string;
    file: string;
    progress?: number;
    loaded?: number;
    total?: number;
  }
  export interface HubFileOptions {
    revision?: string;
    cache_dir?: string;
    local_files_only?: boolean;
    progress_callback?: (p: HubFileProgress) => void;
  }
  /** The file's bytes; rejects with "Could not locate file: …" on a 404 when `fatal`. */
  export function getModelFile(repo: string, file: string, fatal?: boolean, options?: HubFileOptions): Promise<Uint8Array>;
}
