/**
 * A Dockerfile reader for the image-layout test: enough of the syntax to
 * replay a stage (instructions, `\` continuations, comments, exec and shell
 * forms, `ENV a=b c=d`), and nothing that needs a container engine.
 * Unknown syntax is an error rather than a guess, so the test cannot pass by
 * misreading the file.
 *
 * @module
 */

export interface Instruction {
  /** Upper-cased, e.g. `COPY`. */
  readonly keyword: string;
  /** Everything after the keyword, continuations joined. */
  readonly args: string;
  /** 1-based line of the keyword, for error messages. */
  readonly line: number;
}

export interface Stage {
  /** The image reference after `FROM`, e.g. `node:20.20.2-bookworm-slim`. */
  readonly image: string;
  /** The `AS` name, if any. */
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export class DockerfileError extends Error {
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `Dockerfile line ${line}: ${message}`);
    this.name = 'DockerfileError';
  }
}

/** Splits a Dockerfile into stages. Instructions before the first `FROM` (ARG) are dropped. */
export function parseDockerfile(text: string): Stage[] {
  const stages: { image: string; name: string | undefined; instructions: Instruction[] }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!.trim();
    if (first === '' || first.startsWith('#')) continue;
    const line = i + 1;
    let joined = lines[i]!;
    // A trailing backslash (the default escape character) continues the
    // instruction; comment and blank lines inside a continuation are
    // skipped, as BuildKit does.
    while (/\\\s*$/.test(joined)) {
      joined = joined.replace(/\\\s*$/, ' ');
      i++;
      while (i < lines.length && /^\s*(#|$)/.test(lines[i]!)) i++;
      if (i >= lines.length) break;
      joined += lines[i]!;
    }
    const m = /^\s*([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(joined);
    if (!m) throw new DockerfileError(`cannot read "${joined.trim()}"`, line);
    const keyword = m[1]!.toUpperCase();
    const args = (m[2] ?? '').trim();
    if (keyword === 'FROM') {
      const words = shellWords(args).filter((w) => !w.startsWith('--'));
      const [image, as, name] = words;
      if (image === undefined || (as !== undefined && (as.toUpperCase() !== 'AS' || name === undefined))) {
        throw new DockerfileError(`expected "FROM image [AS name]", found "FROM ${args}"`, line);
      }
      stages.push({ image, name, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) {
      if (keyword === 'ARG') continue;
      throw new DockerfileError(`${keyword} before the first FROM`, line);
    }
    stage.instructions.push({ keyword, args, line });
  }
  if (stages.length === 0) throw new DockerfileError('no FROM instruction');
  return stages;
}

/**
 * Splits shell-form text into words the way `sh` would for plain commands:
 * whitespace separates, quotes group, backslash escapes. No expansion.
 */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!)) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new DockerfileError(`unterminated ${quote} in "${text}"`);
  if (inWord) words.push(word);
  return words;
}

/**
 * `ENTRYPOINT`, `CMD`, `RUN`: the exec form (a JSON array) as is, the shell
 * form as `/bin/sh -c <text>`, which is what Docker runs on Linux.
 */
export function commandForm(instruction: Instruction): { argv: string[]; exec: boolean } {
  const { args, line } = instruction;
  if (args.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(args);
    } catch (cause) {
      throw new DockerfileError(`${instruction.keyword}: invalid JSON exec form (${String(cause)})`, line);
    }
    if (!Array.isArray(parsed) || !parsed.every((a): a is string => typeof a === 'string')) {
      throw new DockerfileError(`${instruction.keyword}: the exec form must be an array of strings`, line);
    }
    return { argv: parsed, exec: true };
  }
  return { argv: ['/bin/sh', '-c', args], exec: false };
}

/** `ENV a=b c="d e"` and the legacy `ENV a b c` (one variable, the rest is its value). */
export function envPairs(instruction: Instruction): [string, string][] {
  const words = shellWords(instruction.args);
  if (words.length === 0) throw new DockerfileError('ENV without a variable', instruction.line);
  if (!words[0]!.includes('=')) {
    const rest = instruction.args.slice(instruction.args.indexOf(words[0]!) + words[0]!.length).trim();
    return [[words[0]!, rest]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new DockerfileError(`ENV: expected name=value, found "${w}"`, instruction.line);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** Leading `--name=value` flags of COPY/HEALTHCHECK, and the words after them. */
export function flagsAndWords(words: readonly string[]): { flags: Map<string, string>; rest: string[] } {
  const flags = new Map<string, string>();
  let i = 0;
  for (; i < words.length && words[i]!.startsWith('--'); i++) {
    const w = words[i]!;
    const eq = w.indexOf('=');
    flags.set(eq === -1 ? w.slice(2) : w.slice(2, eq), eq === -1 ? 'true' : w.slice(eq + 1));
  }
  return { flags, rest: words.slice(i) };
}

/** `COPY [--from=stage] [--chown=u:g] src... dest`, shell or JSON form. */
export function copyArgs(instruction: Instruction): {
  from: string | undefined;
  chown: string | undefined;
  sources: string[];
  dest: string;
} {
  const m = /^((?:--\S+\s+)*)([\s\S]*)$/.exec(instruction.args)!;
  const { flags } = flagsAndWords(shellWords(m[1]!));
  const rest = m[2]!.trim();
  const paths = rest.startsWith('[') ? commandForm({ ...instruction, args: rest }).argv : shellWords(rest);
  for (const flag of flags.keys()) {
    if (flag !== 'from' && flag !== 'chown') {
      throw new DockerfileError(`COPY --${flag} is not modelled by the layout test`, instruction.line);
    }
  }
  const dest = paths.at(-1);
  if (dest === undefined || paths.length < 2) {
    throw new DockerfileError(`COPY needs at least one source and a destination`, instruction.line);
  }
  return { from: flags.get('from'), chown: flags.get('chown'), sources: paths.slice(0, -1), dest };
}

/** `HEALTHCHECK [--opt=v...] CMD ...` or `HEALTHCHECK NONE`. */
export function healthcheckCommand(instruction: Instruction): { argv: string[]; options: Map<string, string> } | undefined {
  const { args, line } = instruction;
  if (/^NONE$/i.test(args)) return undefined;
  const m = /^((?:--[a-z-]+=\S+\s+)*)CMD\s+([\s\S]+)$/i.exec(args);
  if (!m) throw new DockerfileError(`expected "HEALTHCHECK [options] CMD command", found "${args}"`, line);
  const { flags } = flagsAndWords(shellWords(m[1]!));
  return { argv: commandForm({ ...instruction, args: m[2]!.trim() }).argv, options: flags };
}

/** `VOLUME /a /b` or `VOLUME ["/a", "/b"]`. */
export function volumePaths(instruction: Instruction): string[] {
  return instruction.args.startsWith('[') ? commandForm(instruction).argv : shellWords(instruction.args);
}
