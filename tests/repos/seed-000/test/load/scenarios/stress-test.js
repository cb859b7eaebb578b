import { sleep } from 'k6';
import { getJson } from './common.js';

export const options = {
  stages: [
    { duration: '2m', target: 50 },
    { duration: '5m', target: 100 },
    { duration: '2m', target: 200 },
    { duration: '5m', target: 200 },
    { duration: '2m', target: 0 },
  ],
  thresholds: {
    http_req_failed: ['rate<0.05'],
    http_req_duration: ['p(95)<3000'],
  },
};

export default function () {
  getJson('/api/products?limit=50', { name: 'products-list' });
  getJson('/api/analytics/summary', { name: 'analytics-summary' });
  sleep(0.5);
}
