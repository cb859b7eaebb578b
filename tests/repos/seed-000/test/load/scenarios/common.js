import http from 'k6/http';
import { check } from 'k6';

export const BASE_URL = __ENV.BASE_URL || 'http://localhost:3000';

export const defaultThresholds = {
  http_req_failed: ['rate<0.01'],
  http_req_duration: ['p(95)<2000', 'p(99)<4000'],
};

export function getJson(path, tags = {}) {
  const res = http.get(`${BASE_URL}${path}`, {
    headers: { Accept: 'application/json' },
    tags,
  });
  check(res, {
    'status is 200': (r) => r.status === 200,
    'body is JSON': (r) => (r.headers['Content-Type'] || '').includes('application/json'),
  });
  return res;
}
