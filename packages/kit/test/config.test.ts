import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from 'typebox';
import { listenerConfigFields, readConfig } from '../src/config.js';

const schema = Type.Object({
  ...listenerConfigFields(8080),
  ...Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`LIMIT_${index}`, Type.Integer({ default: 1, minimum: 1, description: 'a limit' })])),
  SECRET: Type.String({ minLength: 16, description: 'a secret' }),
});

describe('readConfig', () => {
  test('when nothing is set but the required, then every default applies and numbers are numbers', () => {
    const config = readConfig(schema, { SECRET: '0123456789abcdef', UNRELATED: 'x' });

    assert.deepEqual(config, { HOST: '127.0.0.1', PORT: 8080, LOG_LEVEL: 'info', ...Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`LIMIT_${index}`, 1])), SECRET: '0123456789abcdef' });
  });

  test('when many variables are bad, then the error names each of them once, and a missing one too', () => {
    const env = { PORT: 'eighty', LOG_LEVEL: 'loud', ...Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`LIMIT_${index}`, '0'])) };

    assert.throws(() => readConfig(schema, env), (error: Error) => {
      const lines = error.message.split('\n').slice(1).map((line) => line.trim());
      assert.equal(lines.length, 13, error.message);
      assert.ok(lines.includes('PORT: must be integer'), error.message);
      assert.ok(lines.includes('LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent'), error.message);
      assert.ok(lines.includes('LIMIT_9: must be >= 1'), error.message);
      assert.ok(lines.includes('SECRET: is required'), error.message);
      return true;
    });
  });
});
