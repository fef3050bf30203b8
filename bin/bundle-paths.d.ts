// Types for bin/bundle-paths.js (plain JavaScript: bin/ runs before anything is built).
export declare const ROOT: string;
export declare function bundlePaths(root?: string): { bundle: string; inputs: string };
export declare function bundleIsFresh(root?: string): boolean;
