/** Just enough of the Dockerfile and .dockerignore formats to check this repository's images. */

export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Map<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const dockerfile: Dockerfile = { globalArgs: new Map(), stages: [] };
  for (const line of lines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [from = '', as, name] = args.split(/\s+/);
      dockerfile.stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (dockerfile.stages.length === 0 && upper === 'ARG') {
      const [name = '', value = ''] = args.split('=');
      dockerfile.globalArgs.set(name, value);
    } else {
      dockerfile.stages.at(-1)?.instructions.push({ keyword: upper, args });
    }
  }
  return dockerfile;
}

export interface Copy {
  from: string | undefined;
  sources: string[];
  destination: string;
}

export function listCopies(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      return { from, sources: paths.slice(0, -1), destination: paths.at(-1) ?? '' };
    });
}

/** The last value an instruction was given in the stage (WORKDIR, USER, CMD). */
export function lastArgs(stage: Stage, keyword: string): string | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1)?.args;
}

/** Docker's .dockerignore matching: `*` within a segment, `**` across segments, `!` re-includes. */
export function createIgnoreMatcher(dockerignore: string): (relativePath: string) => boolean {
  const rules = dockerignore
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => ({ isNegated: line.startsWith('!'), pattern: toRegExp(line.replace(/^!/, '')) }));
  return (relativePath) => {
    const segments = relativePath.split('/');
    const candidates = segments.map((_, index) => segments.slice(0, index + 1).join('/'));
    let isIgnored = false;
    for (const rule of rules) {
      if (candidates.some((candidate) => rule.pattern.test(candidate))) isIgnored = !rule.isNegated;
    }
    return isIgnored;
  };
}

function toRegExp(pattern: string): RegExp {
  const clean = pattern.replace(/^\.?\//, '').replace(/\/$/, '');
  let source = '';
  for (let i = 0; i < clean.length; i += 1) {
    const char = clean.charAt(i);
    if (clean.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (clean.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
