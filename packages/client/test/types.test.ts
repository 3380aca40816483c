import { describe, expectTypeOf, it } from 'vitest';
import type { ErrorCode, OkBody, UploadResult, VodkitClient, VodkitClientError } from '../src/node.js';

// Checked by the type checker (`pnpm typecheck` covers this file); at run time these are no-ops.
type Client = VodkitClient<never>;
type Result<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;
type Register = Result<Client['api']['register']>;
type GetVideo = Result<Client['api']['getVideo']>;

describe('client types', () => {
  it('keys results by the statuses the contract lists', () => {
    expectTypeOf<Register['status']>().toEqualTypeOf<201 | 400 | 409 | 413 | 415 | 500 | 503>();
    expectTypeOf<Extract<Register, { status: 201 }>['body']>().toEqualTypeOf<{
      user_name: string;
      session_id: string;
      expires_at: string;
    }>();
    expectTypeOf<Extract<GetVideo, { status: 200 }>['body']['status']>().toEqualTypeOf<
      'pending' | 'ready' | 'deleting'
    >();
    expectTypeOf<UploadResult['status']>().toEqualTypeOf<
      200 | 400 | 401 | 403 | 404 | 408 | 409 | 413 | 415 | 429 | 500 | 503 | 507
    >();
  });

  it('types an error body by the codes of its status', () => {
    expectTypeOf<Extract<Register, { status: 409 }>['body']['error']['code']>().toEqualTypeOf<
      'USER_EXISTS' | 'ALREADY_UPLOADED' | 'UPLOAD_OFFSET_MISMATCH' | 'UPLOAD_LOCKED'
    >();
    expectTypeOf<Extract<GetVideo, { status: 404 }>['body']['error']['code']>().toEqualTypeOf<
      'NOT_FOUND' | 'USER_NOT_FOUND' | 'VIDEO_NOT_FOUND' | 'UPLOAD_NOT_FOUND'
    >();
    expectTypeOf<
      Extract<UploadResult, { status: 429 }>['body']['error']['code']
    >().toEqualTypeOf<'TOO_MANY_REQUESTS'>();
  });

  it('unwraps to the success body and throws errors with a code', () => {
    expectTypeOf<OkBody<GetVideo>>().toEqualTypeOf<Extract<GetVideo, { status: 200 }>['body']>();
    expectTypeOf<VodkitClientError['code']>().toEqualTypeOf<ErrorCode | 'UNEXPECTED_RESPONSE'>();
  });
});
