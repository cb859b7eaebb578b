import { sleep } from 'k6';
import { getJson } from './common.js';

export const options = {
  stages: [
    { duration: '30s', target: 10 },
    { duration: '10s', target: 300 },
    { duration: '1m', target: 300 },
    { duration: '10s', target: 10 },
    { duration: '1m', target: 10 },
  ],
  thresholds: {
    http_req_failed: ['rate<0.10'],
  },
};

export default function () {
  getJson('/api/products?limit=20', { name: 'products-list' });
  sleep(0.2);
}
