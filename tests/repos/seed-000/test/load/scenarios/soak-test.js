import { sleep } from 'k6';
import { defaultThresholds, getJson } from './common.js';

export const options = {
  stages: [
    { duration: '5m', target: 30 },
    { duration: '2h', target: 30 },
    { duration: '5m', target: 0 },
  ],
  thresholds: defaultThresholds,
};

export default function () {
  getJson('/api/products?limit=20', { name: 'products-list' });
  getJson('/api/analytics/summary', { name: 'analytics-summary' });
  sleep(2);
}
