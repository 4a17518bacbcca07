/**
 * A one-line progress indicator redrawn in place with `\r`, at most ten
 * times a second. Only ever created when stderr is a terminal, so logs and
 * pipes never see it.
 *
 * @example
 * const progress = new Progress(process.stderr, size)
 * progress.update(lines, bytesRead) // many times
 * progress.done()
 */
export class Progress {
  private last = 0;
  private drawn = false;

  constructor(
    private readonly stderr: { write(text: string): unknown },
    /** Bytes in the whole input, when known (a file); 0 for a stream. */
    private readonly total: number,
  ) {}

  /** Redraws if enough time has passed; cheap enough to call every few thousand lines. */
  update(lines: number, bytes: number): void {
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    this.drawn = true;
    if (this.total > 0) {
      const fraction = Math.min(1, bytes / this.total);
      const width = 24;
      const filled = Math.round(fraction * width);
      this.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(fraction * 100)}%  ${lines} lines`);
    } else {
      this.stderr.write(`\r${lines} lines`);
    }
  }

  /** Erases the line, so the summary starts on a clean one. */
  done(): void {
    if (this.drawn) this.stderr.write('\r\x1b[K');
  }
}
