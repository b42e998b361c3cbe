import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

interface Linted {
  snippets: string[][];
  files: Array<{ file: string; refusals: string[] }>;
}

/** The project's eslint.config.mjs, run by ESLint's Node API in a child process. */
function lint(input: { snippets?: Array<{ file: string; source: string }>; globs?: string[] }) {
  const out = execFileSync(process.execPath, [join(__dirname, '../support/lint-imports.mjs')], {
    input: JSON.stringify(input),
    encoding: 'utf8',
  });
  return JSON.parse(out) as Linted;
}

const REFUSED: Array<[string, string]> = [
  ['src/domain/example.ts', "import { EMAIL_STORE } from '../store/email.store';"],
  ['src/domain/example.ts', "import { Injectable } from '@nestjs/common';"],
  ['src/providers/example.ts', "import { AppConfig } from '../config/config.schema';"],
  [
    'src/providers/acme/acme.options.ts',
    "import { toBool } from '../../config/setting.decorators';",
  ],
  ['src/auth/example.ts', "import { ProblemException } from '../http/problem.filter';"],
  ['src/http/example.ts', "import type { EmailRecord } from '../store/email.store';"],
  ['src/metrics/example.ts', "import type { QueueStats } from '../store/email.store';"],
  ['src/store/example.ts', "import { ClaimLoop } from '../dispatch/claim-loop';"],
  [
    'src/store/sqlite/example.ts',
    "import { EmailsController } from '../../http/emails.controller';",
  ],
  ['src/dispatch/example.ts', "import { EmailsController } from '../http/emails.controller';"],
  ['src/dispatch/example.ts', "import { AppModule } from '../app.module';"],
  ['src/config/example.ts', "import { StoreModule } from '../store/store.module';"],
];

const ACCEPTED: Array<[string, string]> = [
  ['src/domain/example.ts', "import { Secret } from './secret';"],
  [
    'src/providers/acme/acme.provider.ts',
    "import { HttpEmailProvider } from '../http/http-email.provider';",
  ],
  ['src/providers/acme/acme.options.ts', "import { ProviderConfig } from '../provider.options';"],
  ['src/providers/acme/acme.mapper.ts', "import type { OutboundEmail } from '../../domain/email';"],
  ['src/auth/example.ts', "import { ProblemException } from '../common/problem';"],
  ['src/http/example.ts', "import type { EmailRecord } from '../domain/email-record';"],
  ['src/dispatch/example.ts', "import { EMAIL_STORE } from '../store/email.store';"],
  ['src/config/example.ts', "import { ProviderRegistry } from '../providers/provider.registry';"],
  ['src/app.module.ts', "import { HttpModule } from './http/http.module';"],
];

describe('the one-way house (eslint.config.mjs)', () => {
  let linted: Linted;

  beforeAll(() => {
    const snippets = [...REFUSED, ...ACCEPTED].map(([file, source]) => ({ file, source }));
    linted = lint({ snippets, globs: ['src/**/*.ts'] });
  });

  it.each(REFUSED.map((c, i) => [...c, i] as const))('refuses, in %s: %s', (_file, _source, i) => {
    expect(linted.snippets[i]).toHaveLength(1);
    expect(linted.snippets[i][0]).toMatch(/may import only|framework-free/);
  });

  it.each(ACCEPTED.map((c, i) => [...c, REFUSED.length + i] as const))(
    'accepts, in %s: %s',
    (_file, _source, i) => {
      expect(linted.snippets[i]).toEqual([]);
    },
  );

  it('names what the folder may import', () => {
    expect(linted.snippets[2]).toEqual([
      "'../config/config.schema' import is restricted from being used by a pattern. src/providers may import only src/domain (see LAYERS in eslint.config.mjs).",
    ]);
    expect(linted.snippets[1]).toEqual([
      "'@nestjs/common' import is restricted from being used by a pattern. src/domain is framework-free: no @nestjs.",
    ]);
  });

  it('holds for every file of src today', () => {
    expect(linted.files.length).toBeGreaterThan(100);
    expect(linted.files.filter((f) => f.refusals.length)).toEqual([]);
  });
});
