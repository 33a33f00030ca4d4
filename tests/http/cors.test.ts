import { describe, expect, it } from 'vitest';
import { useFhirServer } from '../support/fhir-client.ts';

const { fhir, app } = useFhirServer();

describe('CORS for browser apps', () => {
  it('answers a preflight with 204 and the allowed methods and headers', async () => {
    const res = await app().inject({
      method: 'OPTIONS',
      url: '/fhir/Patient/1',
      headers: { origin: 'https://app.example.org', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type, if-match' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.org');
    expect(res.headers['access-control-allow-methods']).toContain('PUT');
    expect(res.headers['access-control-allow-headers']).toBe('content-type, if-match');
  });

  it('allows the origin and exposes Location and ETag on ordinary responses', async () => {
    const res = await fhir.post('/Patient', { resourceType: 'Patient' }, { origin: 'https://app.example.org' });
    expect(res.status).toBe(201);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example.org');
    expect(String(res.headers['access-control-expose-headers'])).toContain('ETag');
    expect(String(res.headers['access-control-expose-headers'])).toContain('Location');
    const metadata = await fhir.get('/metadata', { origin: 'https://other.example.org' });
    expect(metadata.headers['access-control-allow-origin']).toBe('https://other.example.org');
  });
});
