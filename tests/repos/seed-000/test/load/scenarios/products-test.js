import { sleep } from 'k6';
import { defaultThresholds, getJson } from './common.js';

export const options = {
  vus: 25,
  duration: '3m',
  thresholds: defaultThresholds,
};

const CATEGORIES = ['electronics', 'home', 'fitness', 'beauty', 'toys'];

export default function () {
  const category = CATEGORIES[Math.floor(Math.random() * CATEGORIES.length)];
  getJson(`/api/products?category=${category}&limit=20`, { name: 'products-by-category' });
  getJson('/api/products/top?limit=10', { name: 'products-top' });
  sleep(1);
}
