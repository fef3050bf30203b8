// The stop signal of the long-running commands (proxy, pair server, serve).

/**
 * Resolves with the first SIGINT or SIGTERM, then removes both handlers. Call it before printing
 * a ready line: a signal sent the moment that line is read must stop cleanly, not kill outright.
 */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    };
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}
