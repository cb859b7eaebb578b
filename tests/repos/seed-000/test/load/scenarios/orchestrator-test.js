import http from 'k6/http';
import { check, sleep } from 'k6';
import { BASE_URL } from './common.js';

export const options = {
  vus: 5,
  duration: '2m',
  thresholds: {
    http_req_failed: ['rate<0.02'],
    http_req_duration: ['p(95)<5000'],
  },
};

export default function () {
  const res = http.post(
    `${BASE_URL}/api/orchestrator/dry-run`,
    JSON.stringify({ channels: ['YOUTUBE', 'TIKTOK'], limit: 3 }),
    {
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${__ENV.K6_API_TOKEN || ''}`,
      },
      tags: { name: 'orchestrator-dry-run' },
    },
  );
  check(res, { 'accepted': (r) => r.status === 202 || r.status === 200 });
  sleep(3);
}
