import { isLifecycleError } from '../../src/errors';
import { verifyInfobip, verifyPostmark } from '../../src/webhooks';
import { withBasicAuth } from '../support/webhooks';

describe.each([
  ['verifyPostmark', verifyPostmark],
  ['verifyInfobip', verifyInfobip],
] as const)('%s (HTTP Basic credentials)', (_name, verify) => {
  const options = { username: 'hooks', password: 's3cr3t:with:colons' };

  test('the right credentials pass, with no replay key', async () => {
    await expect(verify(withBasicAuth('hooks', 's3cr3t:with:colons'), options)).resolves.toEqual({ ok: true });
  });

  test.each([
    ['hooks', 's3cr3t:with:colonz'],
    ['hookz', 's3cr3t:with:colons'],
    ['hooks', 's3cr3t:with:colons '],
    ['hooks', ''],
    ['', 's3cr3t:with:colons'],
    ['hooks', 's3cr3t:with'],
  ])('%p / %p fail', async (user, password) => {
    await expect(verify(withBasicAuth(user, password), options)).resolves.toMatchObject({ ok: false, code: 'bad_signature' });
  });

  test('no Authorization header, or not Basic', async () => {
    const request = withBasicAuth('hooks', 'x');
    await expect(verify({ ...request, headers: {} }, options)).resolves.toMatchObject({ ok: false, code: 'missing_signature' });
    await expect(verify({ ...request, headers: { authorization: 'Bearer abc' } }, options)).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
    await expect(verify({ ...request, headers: { authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` } }, options)).resolves.toMatchObject({ ok: false, code: 'malformed_request' });
  });

  test('the scheme name is case-insensitive', async () => {
    const request = withBasicAuth('hooks', 's3cr3t:with:colons');
    const lower = { ...request, headers: { authorization: request.headers.authorization!.replace('Basic', 'basic') } };
    await expect(verify(lower, options)).resolves.toEqual({ ok: true });
  });

  test('missing credentials in the options throw invalid_argument', () => {
    for (const bad of [{}, { username: 'a' }, { password: 'b' }, { username: 'a', password: 1 }, null]) {
      let thrown: unknown;
      try {
        void verify(withBasicAuth('a', 'b'), bad as never);
      } catch (e) {
        thrown = e;
      }
      expect(isLifecycleError(thrown) && thrown.code === 'invalid_argument').toBe(true);
    }
  });
});
