import { defineConfig, devices } from '@playwright/test'

export default defineConfig({
  // ...existing config

  // Reduce flakiness
  workers: process.env.CI ? 2 : undefined,
  retries: process.env.CI ? 2 : 0,
  maxFailures: 5,

  use: {
    // ...existing use config

    // Better error diagnostics
    trace: 'on-first-retry',
    video: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },

  // Reporter config
  reporter: [
    ['html', { outputFolder: 'playwright-report' }],
    ['list'],
    ['json', { outputFile: 'test-results.json' }],
  ],

  // Test tags for splitting
  projects: [
    {
      name: 'quick',
      testMatch: /.*\.spec\.ts/,
      grep: /@quick/,
      use: { ...devices['Desktop Chrome'] },
    },
    {
      name: 'full',
      testMatch: /.*\.spec\.ts/,
      use: { ...devices['Desktop Chrome'] },
    },
  ],
})
