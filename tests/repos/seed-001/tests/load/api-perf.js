import http from 'k6/http';
import { check } from 'k6';

// k6 thresholds
export let options = {
  vus: 20,
  duration: '1m',
  thresholds: {
    http_req_duration: ['p(95)<2000'], // 95% < 2s
  },
};

export default function () {
  const res = http.get(`${__ENV.API_URL}/healthz`);
  check(res, { 'status is 200': (r) => r.status === 200 });
}
