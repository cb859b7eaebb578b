import { sleep } from 'k6';
import { defaultThresholds, getJson } from './common.js';

export const options = {
  stages: [
    { duration: '1m', target: 20 },
    { duration: '3m', target: 20 },
    { duration: '1m', target: 0 },
  ],
  thresholds: defaultThresholds,
};

export default function () {
  getJson('/health', { name: 'health' });
  getJson('/api/products?status=APPROVED&limit=20', { name: 'products-list' });
  getJson('/api/analytics/summary', { name: 'analytics-summary' });
  sleep(1);
}
