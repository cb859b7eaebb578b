import { sleep } from 'k6';
import { defaultThresholds, getJson } from './common.js';

export const options = {
  vus: 15,
  duration: '3m',
  thresholds: defaultThresholds,
};

export default function () {
  getJson('/api/analytics/summary', { name: 'analytics-summary' });
  getJson('/api/analytics/revenue?range=30d', { name: 'analytics-revenue' });
  getJson('/api/analytics/channels', { name: 'analytics-channels' });
  sleep(1);
}
