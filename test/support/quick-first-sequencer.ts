import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The mutation tier's order: StrykerJS stops a mutant's run at its first failing test, so the
 * files that failed last time go first (a mutant near the one before often fails the same
 * file), then the quickest. Vitest's own order runs the longest first, which suits a full run
 * on many workers, not one worker stopping early.
 */
export class QuickFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const state = (spec: TestSpecification) => this.ctx.cache.getFileTestResults(`${spec.project.name}:${relative(this.ctx.config.root, spec.moduleId)}`);
    return [...files].sort((a, b) => {
      const sa = state(a);
      const sb = state(b);
      if (sa === undefined || sb === undefined) return sa === undefined ? (sb === undefined ? 0 : -1) : 1;
      if (sa.failed !== sb.failed) return sa.failed ? -1 : 1;
      return sa.duration - sb.duration;
    });
  }
}
