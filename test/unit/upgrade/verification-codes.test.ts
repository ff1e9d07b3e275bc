/** Verification codes: generation, keyed hashing and sealing (issue 6). */
import {
  generateCode,
  hashCode,
  hashMatches,
  SealError,
  sealCode,
  unsealCode,
  verificationMessage,
} from '../../../activities/verification/codes';

describe('verification codes', () => {
  test('six digits, leading zeros kept, not repeating', () => {
    const codes = Array.from({ length: 200 }, () => generateCode());
    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    expect(new Set(codes).size).toBeGreaterThan(190);
  });

  test('the stored hash depends on the key and the challenge, and reveals no code', () => {
    const h = hashCode('key-one-long-enough', 'vc_1', '123456');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).not.toContain('123456');
    expect(hashMatches(h, hashCode('key-one-long-enough', 'vc_1', '123456'))).toBe(true);
    expect(hashMatches(h, hashCode('key-one-long-enough', 'vc_1', '123457'))).toBe(false);
    expect(hashMatches(h, hashCode('key-one-long-enough', 'vc_2', '123456'))).toBe(false);
    expect(hashMatches(h, hashCode('key-two-long-enough', 'vc_1', '123456'))).toBe(false);
  });

  test('a sealed code opens only with its key, differs every time, and shows no digits of the code', () => {
    const a = sealCode('seal-key-long-enough', '987654');
    const b = sealCode('seal-key-long-enough', '987654');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(a).not.toContain('987654');
    expect(unsealCode('seal-key-long-enough', a)).toBe('987654');
    expect(() => unsealCode('another-key-long-enough', a)).toThrow(SealError);
    // A middle character: the last base64 character may carry only padding bits.
    const i = Math.floor(a.length / 2);
    const tampered = a.slice(0, i) + (a[i] === 'A' ? 'B' : 'A') + a.slice(i + 1);
    expect(() => unsealCode('seal-key-long-enough', tampered)).toThrow(SealError);
    expect(() => unsealCode('seal-key-long-enough', 'v2.abc')).toThrow(SealError);
  });

  test('the SMS says the code and its lifetime; the voice call reads the digits one by one', () => {
    expect(verificationMessage('012345', 'sms', 600_000)).toBe(
      'Your verification code is 012345. It expires in 10 minutes. Do not share it.',
    );
    expect(verificationMessage('012345', 'voice', 600_000)).toContain('code is 0 1 2 3 4 5.');
  });
});
